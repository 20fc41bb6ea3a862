package server

import (
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	saved := [3]any{argonTime, argonMemory, argonThreads}
	argonTime, argonMemory, argonThreads = 3, 64*1024, 4
	h, err := HashPassword("a long enough password")
	argonTime, argonMemory, argonThreads = saved[0].(uint32), saved[1].(uint32), saved[2].(uint8)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Errorf("hash %q lacks the production parameters", h)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"a long enough password", true}, {"a long enough passwore", false}, {"", false}} {
		ok, err := VerifyPassword(h, tc.pw)
		if err != nil || ok != tc.want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
	h2, _ := HashPassword("a long enough password")
	if h2 == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if _, err := HashPassword("short"); err == nil {
		t.Error("a 5-character password was accepted")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=1,t=1,p=1$!!$AA"} {
		if _, err := VerifyPassword(bad, "x"); err == nil {
			t.Errorf("VerifyPassword accepted the hash %q", bad)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{"/admin": "/admin", "": "/", "//evil.example": "/", "/\\evil": "/", "https://evil.example/": "/", "/p/2024?x=1": "/p/2024?x=1"} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
