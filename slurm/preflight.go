package slurm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// commands are the Slurm commands kcmin runs, all in Debian's
// slurm-client.
var commands = []string{"sbatch", "srun", "squeue", "scancel", "sinfo", "scontrol"}

// Preflight checks, before the first test, that cfg can reach a working
// cluster, and says what is missing and how to fix it: a command not
// installed, a SLURM_CONF that is not there, munged not running, the
// controller not answering, a partition that does not exist.
func Preflight(ctx context.Context, cfg Config) error {
	var missing []error
	for _, name := range commands {
		if _, err := exec.LookPath(name); err != nil {
			missing = append(missing, fmt.Errorf("%s not found (Debian: apt-get install slurm-client)", name))
		}
	}
	if len(missing) > 0 {
		return errors.Join(missing...)
	}
	// Slurm's commands wait a minute for a slurm.conf that is not there.
	if conf, ok := cfg.lookupEnv("SLURM_CONF"); ok {
		if conf == "" {
			return errors.New("SLURM_CONF is set but empty: unset it, or give the path of slurm.conf")
		}
		if _, err := os.Stat(conf); err != nil {
			return fmt.Errorf("SLURM_CONF=%s: %w", conf, err)
		}
	}
	r, err := cfg.try(ctx, "scontrol", "ping")
	if err != nil {
		return fmt.Errorf("ask the Slurm controller: %w", err)
	}
	if err := authError(r.stderr); err != nil {
		return err
	}
	if strings.Contains(r.stderr, "Could not establish a configuration source") {
		return fmt.Errorf("no slurm.conf: set SLURM_CONF, or install /etc/slurm/slurm.conf, or make the cluster's DNS SRV record reachable (scontrol ping: %s)",
			firstLines(r.stderr))
	}
	if r.code != 0 || !strings.Contains(r.stdout, " is UP") {
		return fmt.Errorf("the Slurm controller does not answer (scontrol ping: %s): start slurmctld, or check SlurmctldHost in slurm.conf",
			firstLines(r.stdout+"\n"+r.stderr))
	}
	r, err = cfg.try(ctx, "sinfo", "-h", "-o", "%R")
	if err != nil {
		return fmt.Errorf("list the partitions: %w", err)
	}
	if err := authError(r.stderr); err != nil {
		return err
	}
	if r.code != 0 {
		return fmt.Errorf("list the partitions: sinfo: exit status %d: %s", r.code, firstLines(r.stderr))
	}
	parts := strings.Fields(r.stdout)
	slices.Sort(parts)
	parts = slices.Compact(parts)
	if cfg.Partition != "" && !slices.Contains(parts, cfg.Partition) {
		return fmt.Errorf("partition %q does not exist; the partitions are: %s", cfg.Partition, strings.Join(parts, ", "))
	}
	return nil
}

// authError says munged is not running when a command's stderr says it
// could not reach it.
func authError(stderr string) error {
	for _, s := range []string{"Munge encode failed", "Did you start munged", "Socket communication error", "authentication error"} {
		if strings.Contains(stderr, s) {
			return fmt.Errorf("munged is not running: start it (systemctl start munge): %s", firstLines(stderr))
		}
	}
	return nil
}

// lookupEnv is an environment variable of cfg's commands: the last in
// cfg.Env, else the inherited one.
func (cfg Config) lookupEnv(key string) (string, bool) {
	for i := len(cfg.Env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(cfg.Env[i], "="); ok && k == key {
			return v, true
		}
	}
	return os.LookupEnv(key)
}
