package csvdata

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestIsUTF8File(t *testing.T) {
	dir := t.TempDir()
	utf := filepath.Join(dir, "utf8.csv")
	gb := filepath.Join(dir, "gb.csv")
	os.WriteFile(utf, []byte("id,name,kind\ns1,幸福社区,autonomous_org\n"), 0o644)
	enc, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("id,name,kind\ns1,幸福社区,autonomous_org\n"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(gb, enc, 0o644)
	for _, tc := range []struct {
		path string
		want bool
	}{{utf, true}, {gb, false}} {
		got, err := IsUTF8File(tc.path)
		if err != nil || got != tc.want {
			t.Errorf("IsUTF8File(%s) = %v, %v; want %v", filepath.Base(tc.path), got, err, tc.want)
		}
	}
	if _, err := IsUTF8File(filepath.Join(dir, "missing.csv")); err == nil {
		t.Error("a missing file gave no error")
	}
}
