package server

import (
	"os"
	"testing"
)

// TestMain lowers the argon2id cost of the accounts the tests create
// (TestPasswordHash checks the production parameters).
func TestMain(m *testing.M) {
	argonTime, argonMemory, argonThreads = 1, 1024, 1
	os.Exit(m.Run())
}
