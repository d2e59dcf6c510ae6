// Command difftimer times Prow's own diff functions (pkg/statusreconciler's addedBlockingPresubmits,
// removedPresubmits and migratedBlockingPresubmits) on a transition between two config trees, so that
// bench/diff.ts can print our diff's time beside Prow's measured on the same machine and the same data.
//
// The three functions are unexported; go:linkname binds them by symbol name. Prow's Controller is
// referenced so that the linker keeps the package. The local migration type has the layout of Prow's
// unexported presubmitMigration (two config.Presubmit values).
//
// Usage: difftimer BEFORE_DIR AFTER_DIR RUNS  (each DIR holding prow/config.yaml and jobs/)
// Prints one JSON object: counts, and the first call and the warm runs of the three diffs, in ms.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"
	_ "unsafe" // go:linkname

	"github.com/sirupsen/logrus"
	"sigs.k8s.io/prow/pkg/config"
	"sigs.k8s.io/prow/pkg/statusreconciler"
)

type presubmitMigration struct {
	from, to config.Presubmit
}

//go:linkname addedBlockingPresubmits sigs.k8s.io/prow/pkg/statusreconciler.addedBlockingPresubmits
func addedBlockingPresubmits(old, new map[string][]config.Presubmit, log *logrus.Entry) (map[string][]config.Presubmit, *logrus.Entry)

//go:linkname removedPresubmits sigs.k8s.io/prow/pkg/statusreconciler.removedPresubmits
func removedPresubmits(old, new map[string][]config.Presubmit, log *logrus.Entry) (map[string][]config.Presubmit, *logrus.Entry)

//go:linkname migratedBlockingPresubmits sigs.k8s.io/prow/pkg/statusreconciler.migratedBlockingPresubmits
func migratedBlockingPresubmits(old, new map[string][]config.Presubmit, log *logrus.Entry) (map[string][]presubmitMigration, *logrus.Entry)

// Keeps Prow's statusreconciler package (and so the linked functions) in the binary.
var _ = statusreconciler.NewController

func load(dir string) map[string][]config.Presubmit {
	c, err := config.Load(filepath.Join(dir, "prow", "config.yaml"), filepath.Join(dir, "jobs"), nil, "")
	if err != nil {
		fmt.Fprintf(os.Stderr, "load %s: %v\n", dir, err)
		os.Exit(2)
	}
	return c.PresubmitsStatic
}

func count[T any](m map[string][]T) int {
	n := 0
	for _, l := range m {
		n += len(l)
	}
	return n
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: difftimer BEFORE_DIR AFTER_DIR RUNS")
		os.Exit(2)
	}
	runs, err := strconv.Atoi(os.Args[3])
	if err != nil || runs < 1 {
		fmt.Fprintln(os.Stderr, "RUNS must be a positive number")
		os.Exit(2)
	}
	before, after := load(os.Args[1]), load(os.Args[2])
	// Prow's status-reconciler logs at its default level, info: the three info lines a diff writes are part of
	// its cost, the debug lines are not. Written to io.Discard so the terminal's speed is not measured.
	logger := logrus.New()
	logger.SetLevel(logrus.InfoLevel)
	logger.SetOutput(io.Discard)
	log := logrus.NewEntry(logger)
	var added, removed, migrated int
	once := func() float64 {
		start := time.Now()
		a, _ := addedBlockingPresubmits(before, after, log)
		r, _ := removedPresubmits(before, after, log)
		m, _ := migratedBlockingPresubmits(before, after, log)
		elapsed := time.Since(start)
		added, removed, migrated = count(a), count(r), count(m)
		return float64(elapsed.Microseconds()) / 1000
	}
	first := once()
	warm := make([]float64, runs)
	for i := range warm {
		warm[i] = once()
	}
	sort.Float64s(warm)
	out, _ := json.Marshal(map[string]any{
		"added": added, "removed": removed, "migrated": migrated,
		"firstMs": first, "warmMs": warm,
	})
	fmt.Println(string(out))
}
