package campaign

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kcmin/kcmin/kconfig"
)

// TestCandidatesStick: VIDEO_DEV's prompt needs !MEDIA_SUPPORT_FILTER,
// which the base meets only while MEDIA_SUPPORT is off; with the
// MEDIA_SUPPORT that VIDEO_DEV needs, the filter defaults to y unless
// EXPERT is on, as in the bad config. The candidate must carry EXPERT,
// which only the config base + MEDIA_SUPPORT + VIDEO_DEV shows.
func TestCandidatesStick(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Kconfig"), []byte(`
config MODULES
	bool "modules"
	modules
config EXPERT
	bool "expert"
config MEDIA_SUPPORT
	tristate "media"
if MEDIA_SUPPORT
config MEDIA_SUPPORT_FILTER
	bool "filter"
	default y if !EXPERT
config VIDEO_DEV
	tristate "v4l2" if !MEDIA_SUPPORT_FILTER
endif
`), 0o644); err != nil {
		t.Fatal(err)
	}
	tree, err := kconfig.Parse(context.Background(), kconfig.Options{SrcTree: dir})
	if err != nil {
		t.Fatal(err)
	}
	know := NewTreeKnowledge(tree, dir)
	resolve := func(text string) *kconfig.Config {
		c, _, err := kconfig.ReadConfig(strings.NewReader(strings.ReplaceAll(text, ";", "\n")), "c")
		if err != nil {
			t.Fatal(err)
		}
		r, err := know.Resolve(c)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	base := resolve("CONFIG_MODULES=y")
	bad := resolve("CONFIG_MODULES=y;CONFIG_EXPERT=y;CONFIG_MEDIA_SUPPORT=m;CONFIG_VIDEO_DEV=m")
	cs := FindCandidates(know, base, bad)
	var got []string
	for _, c := range cs.List {
		s := c.Name()
		var deps []string
		for _, d := range c.Deps {
			deps = append(deps, cs.List[d].Name())
		}
		if len(deps) > 0 {
			s += "(" + strings.Join(deps, "+") + ")"
		}
		got = append(got, s)
	}
	want := "EXPERT MEDIA_SUPPORT VIDEO_DEV(EXPERT+MEDIA_SUPPORT)"
	if strings.Join(got, " ") != want {
		t.Errorf("candidates %q, want %s", got, want)
	}
}
