package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// stats are the latencies of one side of one comparison.
type stats struct {
	latencies []time.Duration
	elapsed   time.Duration
	errs      int64
	cpu       []time.Duration // by process (alternateN)
	sessions  int64           // PostgreSQL connections opened (alternateN)
}

func (s *stats) n() int { return len(s.latencies) }

func (s *stats) throughput() float64 {
	if s.elapsed <= 0 {
		return 0
	}
	return float64(s.n()) / s.elapsed.Seconds()
}

// pct returns the p-th quantile (0..1) by the nearest-rank method.
func (s *stats) pct(p float64) time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	l := slices.Clone(s.latencies)
	slices.Sort(l)
	i := int(p*float64(len(l))+0.5) - 1
	return l[max(0, min(i, len(l)-1))]
}

// add merges another round into s.
func (s *stats) add(o *stats) {
	s.latencies = append(s.latencies, o.latencies...)
	s.elapsed += o.elapsed
	s.errs += o.errs
}

// measure runs fn for i in [from, to) with c concurrent callers.
func measure(from, to, c int, fn func(i int) error) *stats {
	st := &stats{latencies: make([]time.Duration, to-from)}
	next := int64(from - 1)
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Go(func() {
			for {
				i := int(atomic.AddInt64(&next, 1))
				if i >= to {
					return
				}
				t0 := time.Now()
				if err := fn(i); err != nil {
					if atomic.AddInt64(&st.errs, 1) <= 3 {
						fmt.Fprintln(os.Stderr, "error:", err)
					}
				}
				st.latencies[i-from] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	st.elapsed = time.Since(start)
	return st
}

// alternateN is alternate for any number of sides: each round starts with the next side
// (A B C, B C A, ...). Each side's CPU time per call, by process, is added up in its cpu.
// drain, if not nil, waits after each side's calls until the work they started has been done
// (the worker's first steps of the courses started): that work is the side's CPU time, and
// the next side does not queue behind it.
// sessions, if not nil, counts the PostgreSQL connections opened so far.
func alternateN(n, rounds, c int, procs []proc, sessions func() int64, drain func(side, from, to int), sides ...func(i int) error) []*stats {
	out := make([]*stats, len(sides))
	for i := range out {
		out[i] = &stats{cpu: make([]time.Duration, len(procs))}
	}
	for r := range rounds {
		from, to := r*n/rounds, (r+1)*n/rounds
		for k := range sides {
			j := (r + k) % len(sides)
			waitIdle()
			before, opened := cpuOf(procs), count(sessions)
			out[j].add(measure(from, to, c, sides[j]))
			if drain != nil {
				drain(j, from, to)
			}
			after := cpuOf(procs)
			out[j].sessions += count(sessions) - opened
			for p := range procs {
				out[j].cpu[p] += after[p] - before[p]
			}
		}
	}
	return out
}

func count(f func() int64) int64 {
	if f == nil {
		return 0
	}
	return f()
}

// proc is a process whose CPU time the bench reads: its /proc/<pid>/stat.
type proc struct {
	name string
	pid  int
}

// postgresCluster as a proc's pid stands for every PostgreSQL process of the machine.
const postgresCluster = -1

// cpuOf returns each process's user+system CPU time so far (0 if it cannot be read); for
// postgresCluster, that of every process named postgres plus what their postmasters have
// reaped (the backends that have exited).
func cpuOf(procs []proc) []time.Duration {
	out := make([]time.Duration, len(procs))
	for i, p := range procs {
		if p.pid == postgresCluster {
			out[i] = postgresCPU()
			continue
		}
		if st, ok := procStat(p.pid); ok {
			out[i] = st.cpu
		}
	}
	return out
}

// stat is what the bench reads of /proc/<pid>/stat.
type stat struct {
	comm     string
	ppid     int
	cpu      time.Duration // utime+stime
	children time.Duration // cutime+cstime: the children it has waited for
}

func procStat(pid int) (stat, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return stat{}, false
	}
	s := string(data)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return stat{}, false
	}
	f := strings.Fields(s[end+2:]) // fields from the 3rd (state) on
	if len(f) < 15 {
		return stat{}, false
	}
	n := func(i int) time.Duration {
		v, _ := strconv.ParseUint(f[i], 10, 64)
		return time.Duration(v) * time.Second / 100 // USER_HZ is 100 on Linux
	}
	ppid, _ := strconv.Atoi(f[1])
	return stat{comm: s[open+1 : end], ppid: ppid, cpu: n(11) + n(12), children: n(13) + n(14)}, true
}

// postgresCPU is the CPU time of every PostgreSQL process on the machine, including exited
// backends (in their postmaster's children's times).
func postgresCPU() time.Duration {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	stats := map[int]stat{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := procStat(pid); ok && st.comm == "postgres" {
			stats[pid] = st
		}
	}
	var total time.Duration
	for _, st := range stats {
		total += st.cpu
		if _, child := stats[st.ppid]; !child { // a postmaster
			total += st.children
		}
	}
	return total
}

// cpuPerCall is the side's CPU time per call of the i-th process, in milliseconds.
func (s *stats) cpuPerCall(i int) string {
	if s.n() == 0 || i >= len(s.cpu) {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(s.cpu[i].Microseconds())/1000/float64(s.n()))
}

// cpuTimes reads the machine's busy and total CPU time from /proc/stat.
func cpuTimes() (busy, total uint64) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, 0
	}
	fields := strings.Fields(sc.Text())[1:]
	for i, v := range fields {
		n, _ := strconv.ParseUint(v, 10, 64)
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total
}

// settle is the longest waitIdle waits (-settle).
var settle = 2 * time.Minute

// waitIdle waits (at most settle) until the machine's CPUs are at most 15% busy over two
// half-seconds in a row: the work a measure started (workflow tasks, activities, the read
// model) is done before the next one begins. It returns how long it waited.
func waitIdle() time.Duration {
	start := time.Now()
	quiet := 0
	b0, t0 := cpuTimes()
	for time.Since(start) < settle && quiet < 2 {
		time.Sleep(500 * time.Millisecond)
		b1, t1 := cpuTimes()
		if t1 == t0 {
			return time.Since(start) // no /proc/stat: nothing to wait for
		}
		if float64(b1-b0)/float64(t1-t0) <= 0.15 {
			quiet++
		} else {
			quiet = 0
		}
		b0, t0 = b1, t1
	}
	return time.Since(start)
}

func numCPU() int { return runtime.NumCPU() }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func delta(d time.Duration) string { return fmt.Sprintf("%+.1f ms", float64(d.Microseconds())/1000) }

func mib(kb int64) string { return fmt.Sprintf("%.0f MiB", float64(kb)/1024) }
