package artifact

import "syscall"

// yieldCPU lets the threads that wait for this CPU run first. The copy of a
// build is a few milliseconds of CPU in the process that loads it; without
// a pause, the scheduler let it run them in one go while host threads that
// call the library waited on the same CPU, for as long (perf sched timehist
// of figure 10 in BENCHMARKS.md, 8 host threads calling in bursts on 2
// CPUs). A raw system call keeps the runtime's P: getting one back, with
// every P busy with host threads, can take a scheduler tick.
func yieldCPU() { syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }
