// prow-config-oracle loads a Prow configuration with Prow's own loader (sigs.k8s.io/prow/pkg/config) and
// prints Prow's verdict and its static presubmit index as JSON, in the shape of the project's index
// (src/config/index-model.ts), so the differential tests can compare the two loaders.
//
// Usage:
//
//	prow-config-oracle CONFIG_PATH [JOB_CONFIG_PATH]   one load, one JSON object on stdout
//	prow-config-oracle -batch                         one request per stdin line, one JSON line per answer
//
// A batch request is a JSON object {"config": "...", "jobConfig": "..."}; batch mode exists so that
// thousands of generated variants do not each pay a process start.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/sirupsen/logrus"
	"sigs.k8s.io/prow/pkg/config"
)

// indexedPresubmit mirrors IndexedPresubmit (src/config/types.ts): optional fields only when non-empty.
type indexedPresubmit struct {
	Name              string   `json:"name"`
	Context           string   `json:"context"`
	AlwaysRun         bool     `json:"always_run"`
	Optional          bool     `json:"optional"`
	SkipReport        bool     `json:"skip_report"`
	RunIfChanged      string   `json:"run_if_changed,omitempty"`
	SkipIfOnlyChanged string   `json:"skip_if_only_changed,omitempty"`
	Branches          []string `json:"branches,omitempty"`
	SkipBranches      []string `json:"skip_branches,omitempty"`
}

type verdict struct {
	OK bool `json:"ok"`
	// Error is Prow's load error; Panic is set instead when Prow's loader panicked (Prow would crash).
	Error       string                        `json:"error,omitempty"`
	Panic       string                        `json:"panic,omitempty"`
	Repos       map[string][]indexedPresubmit `json:"repos,omitempty"`
	Presubmits  int                           `json:"presubmits"`
	Postsubmits int                           `json:"postsubmits"`
	Periodics   int                           `json:"periodics"`
}

type request struct {
	Config    string `json:"config"`
	JobConfig string `json:"jobConfig"`
}

func load(req request) (v verdict) {
	defer func() {
		if r := recover(); r != nil {
			v = verdict{Panic: fmt.Sprintf("%v\n%s", r, debug.Stack())}
		}
	}()
	cfg, err := config.Load(req.Config, req.JobConfig, nil, "")
	if err != nil {
		return verdict{Error: err.Error()}
	}
	v = verdict{OK: true, Repos: map[string][]indexedPresubmit{}}
	for repo, list := range cfg.PresubmitsStatic {
		out := make([]indexedPresubmit, 0, len(list))
		for _, p := range list {
			out = append(out, indexedPresubmit{
				Name:              p.Name,
				Context:           p.Context,
				AlwaysRun:         p.AlwaysRun,
				Optional:          p.Optional,
				SkipReport:        p.SkipReport,
				RunIfChanged:      p.RunIfChanged,
				SkipIfOnlyChanged: p.SkipIfOnlyChanged,
				Branches:          p.Branches,
				SkipBranches:      p.SkipBranches,
			})
		}
		v.Repos[repo] = out
		v.Presubmits += len(list)
	}
	for _, list := range cfg.PostsubmitsStatic {
		v.Postsubmits += len(list)
	}
	v.Periodics = len(cfg.Periodics)
	return v
}

func main() {
	// Prow logs warnings (deprecations, unknown fields) through logrus; the verdict is the only output.
	logrus.SetOutput(io.Discard)
	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	args := os.Args[1:]
	if len(args) == 1 && args[0] == "-batch" {
		in := bufio.NewScanner(os.Stdin)
		in.Buffer(make([]byte, 1<<20), 1<<20)
		for in.Scan() {
			var req request
			if err := json.Unmarshal(in.Bytes(), &req); err != nil {
				fmt.Fprintf(os.Stderr, "prow-config-oracle: bad request line: %v\n", err)
				os.Exit(2)
			}
			if err := out.Encode(load(req)); err != nil {
				os.Exit(3)
			}
		}
		if err := in.Err(); err != nil {
			fmt.Fprintf(os.Stderr, "prow-config-oracle: reading stdin: %v\n", err)
			os.Exit(2)
		}
		return
	}
	if len(args) < 1 || len(args) > 2 {
		fmt.Fprintln(os.Stderr, "usage: prow-config-oracle CONFIG_PATH [JOB_CONFIG_PATH] | prow-config-oracle -batch")
		os.Exit(2)
	}
	req := request{Config: args[0]}
	if len(args) == 2 {
		req.JobConfig = args[1]
	}
	if err := out.Encode(load(req)); err != nil {
		os.Exit(3)
	}
}
