// SPDX-License-Identifier: GPL-2.0
/*
 * The tables.  To recognise a new report, add a row to headers[]; to
 * stop a helper frame from being blamed, add it to noise_frames[]; to
 * change the harness marker syntax, edit markers[].  Rows are tried in
 * order and the first match wins, so specific rows go before generic
 * ones (lockdep's "WARNING: possible ..." and the typed WARNINGs before
 * "WARNING: CPU: ...", "BUG: KASAN:" before the catch-all "BUG:").
 */
#include "patterns.h"
#include "line.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const kind_names[] = {
	[K_LOCKDEP] = "lockdep",	[K_WARNING] = "warning",
	[K_BUG] = "bug",		[K_OOPS] = "oops",
	[K_KASAN] = "kasan",		[K_KCSAN] = "kcsan",
	[K_KMEMLEAK] = "kmemleak",	[K_HUNG_TASK] = "hung_task",
	[K_RCU_STALL] = "rcu_stall",	[K_SOFT_LOCKUP] = "soft_lockup",
	[K_UBSAN] = "ubsan",		[K_HARD_LOCKUP] = "hard_lockup",
};

#define FN "([A-Za-z_][A-Za-z0-9_.]*)\\+0x"
#define ANY_FN "([A-Za-z_][A-Za-z0-9_.]*)"
#define RIP_FLAGS (PF_USE_RIP)

/* The optional fields (.qual_re, .sect, .skip, .need) go by name. */
#define ROW(re_, kind_, title_, group_, flags_, ...) \
	{ .re = re_, .kind = kind_, .title = title_, .func_group = group_, \
	  .flags = flags_, __VA_ARGS__ }

/* Extra noise of one report type, matched as substrings like syzkaller's. */
#define SKIP(...) ((const char *const[]){ __VA_ARGS__, NULL })

/*
 * Lockdep's reports print dependency chains and held locks long before
 * their stack; F comes from the lock sites after the line holding @sect
 * (syzkaller's "parts"), else from the stack.
 */
#define LOCKDEP(re, t, sect_, ...) \
	ROW("^" re, K_LOCKDEP, t, 0, PF_LONG, .sect = sect_, __VA_ARGS__)

/*
 * WARNINGs from report helpers keep their type, as in syzkaller:
 * 3.11-6.x "WARNING: CPU: 1 PID: 85 at lib/refcount.c:28 fn+0x3a/0x50",
 * 7.x "WARNING: lib/refcount.c:28 at fn+0x3a/0x50, CPU#1: comm/85" (or
 * "at 0x0, CPU#1" when the trap gave no caller: F from the RIP line) and
 * before 3.11 "WARNING: at lib/debugobjects.c:260 fn+0x83/0xa0()".
 * The line must contain @need before @file_re is tried.
 */
#define WARN_AT(need_, file_re, fn, k, t, ...) \
	ROW("^WARNING: CPU: [0-9]+ PID: [0-9]+ at ([^ ]*/)?" file_re \
	    ":[0-9]+ " fn "\\+0x", k, t, 2, RIP_FLAGS, .need = need_, \
	    __VA_ARGS__), \
	ROW("^WARNING: ([^ ]*/)?" file_re ":[0-9]+ at " fn "\\+0x", k, t, 2, \
	    RIP_FLAGS, .need = need_, __VA_ARGS__), \
	ROW("^WARNING: ([^ ]*/)?" file_re ":[0-9]+ at 0x[0-9a-f]+,", k, t, 0, \
	    RIP_FLAGS, .need = need_, __VA_ARGS__), \
	ROW("^WARNING: at ([^ ]*/)?" file_re ":[0-9]+ " fn "\\+0x", k, t, 2, \
	    RIP_FLAGS, .need = need_, __VA_ARGS__)
/* '.' in @file matches itself, too */
#define WARN_IN(file, ...) WARN_AT(file, file, __VA_ARGS__)

/* kmemleak_warn()'s callers, between the API call and its caller */
#define KMEMLEAK_API SKIP("object", "paint", "checksum", "scan_area", \
			  "excess_ref", "kfree", "slab_", "kmem_cache_free", \
			  "free_pages", "vfree")

static const struct header_pat headers[] = {
	LOCKDEP("WARNING: possible circular locking dependency detected",
		"possible deadlock", "is trying to acquire lock",
		.skip = SKIP("process_one_work", "flush_workqueue",
			     "drain_workqueue", "destroy_workqueue")),
	LOCKDEP("WARNING: possible irq lock inversion dependency detected",
		"possible deadlock", "just changed the state of lock"),
	LOCKDEP("WARNING: [A-Za-z_]+-safe -> [A-Za-z_]+-unsafe lock order "
		"detected", "possible deadlock", "which became"),
	LOCKDEP("WARNING: possible recursive locking detected",
		"possible deadlock", "is trying to acquire lock"),
	LOCKDEP("WARNING: inconsistent lock state", "inconsistent lock state",
		"takes:"),
	LOCKDEP("\\[ BUG: Invalid wait context \\]",
		"BUG: Invalid wait context", NULL,
		.skip = SKIP("lock_sock", "release_sock")),
	LOCKDEP("BUG: Invalid wait context", "BUG: Invalid wait context",
		NULL, .skip = SKIP("lock_sock", "release_sock")),
	LOCKDEP("WARNING: bad unlock balance detected",
		"WARNING: bad unlock balance", "is trying to release lock"),
	LOCKDEP("BUG: bad unlock balance detected", "BUG: bad unlock balance",
		"is trying to release lock"),
	LOCKDEP("WARNING: held lock freed", "WARNING: held lock freed",
		"is freeing memory"),
	LOCKDEP("BUG: held lock freed", "BUG: held lock freed",
		"is freeing memory"),
	LOCKDEP("WARNING: .* still has locks held!",
		"WARNING: still has locks held", "held by",
		.need = "still has locks held"),
	LOCKDEP("BUG: .* still has locks held!", "BUG: still has locks held",
		"held by", .need = "still has locks held"),
	LOCKDEP("WARNING: suspicious RCU usage",
		"WARNING: suspicious RCU usage", NULL,
		.skip = SKIP("rcu", "kmem", "slab")),
	LOCKDEP("WARNING: lock held when returning to user space",
		"WARNING: lock held when returning to user space",
		"leaving the kernel with locks still held"),
	LOCKDEP("BUG: lock held when returning to user space",
		"BUG: lock held when returning to user space",
		"leaving the kernel with locks still held"),
	LOCKDEP("WARNING: Nested lock was not taken",
		"WARNING: nested lock was not taken", NULL),
	LOCKDEP("WARNING: bad contention detected",
		"WARNING: bad contention", "is trying to contend lock"),
	/* CONFIG_DEBUG_LOCKDEP: lockdep's own chain cache is corrupt */
	LOCKDEP("WARNING: chain_key collision", "WARNING: chain_key collision",
		NULL),
	/*
	 * Before 4.11 lockdep's banners were "[ INFO: ... ]" and "[ BUG:
	 * ... ]"; syzkaller's titles for them.
	 */
	LOCKDEP("\\[ INFO: possible circular locking dependency detected \\]",
		"possible deadlock", "is trying to acquire lock",
		.skip = SKIP("process_one_work", "flush_workqueue",
			     "drain_workqueue", "destroy_workqueue")),
	LOCKDEP("\\[ INFO: possible irq lock inversion dependency detected \\]",
		"possible deadlock", "just changed the state of lock"),
	/* 2.6.1x "soft-safe", 2.6.30-4.13 "RECLAIM_FS-safe"; syzkaller's F */
	LOCKDEP("\\[ INFO: [A-Za-z_]+-safe -> [A-Za-z_]+-unsafe lock order "
		"detected \\]", "possible deadlock", "is trying to acquire"),
	LOCKDEP("\\[ INFO: possible recursive locking detected \\]",
		"possible deadlock", "is trying to acquire lock"),
	LOCKDEP("\\[ INFO: inconsistent lock state \\]",
		"inconsistent lock state", "takes:"),
	LOCKDEP("\\[ INFO: suspicious RCU usage\\. \\]",
		"INFO: suspicious RCU usage", NULL,
		.skip = SKIP("rcu", "kmem", "slab")),
	LOCKDEP("\\[ BUG: bad unlock balance detected! \\]",
		"BUG: bad unlock balance", "is trying to release lock"),
	LOCKDEP("\\[ BUG: held lock freed! \\]", "BUG: held lock freed",
		"is freeing memory"),
	LOCKDEP("\\[ BUG: .* still has locks held! \\]",
		"BUG: still has locks held", "held by",
		.need = "still has locks held"),
	LOCKDEP("\\[ BUG: lock held when returning to user space! \\]",
		"BUG: lock held when returning to user space",
		"leaving the kernel with locks still held"),
	LOCKDEP("\\[ BUG: Nested lock was not taken \\]",
		"BUG: nested lock was not taken", NULL),
	LOCKDEP("\\[ BUG: bad contention detected! \\]",
		"BUG: bad contention", "is trying to contend lock"),
	/*
	 * lockdep_init_map_type(): then DEBUG_LOCKS_WARN_ON(1), a WARNING
	 * of its own (the kernel/locking/lockdep.c rows below).
	 */
	ROW("^BUG: key [0-9a-f]+ has not been registered!", K_LOCKDEP,
	    "BUG: key has not been registered", 0,
	    PF_NO_FUNC | PF_NO_STACK),
	ROW("^BUG: looking up invalid subclass: [0-9]+", K_LOCKDEP,
	    "BUG: looking up invalid subclass", 0, 0,
	    .skip = SKIP("lock_class", "lock_acquire", "lock_release")),
	/* print_lockdep_off(), KERN_DEBUG: lockdep turns itself off */
	ROW("^BUG: (MAX_[A-Z_]+) too low!", K_LOCKDEP, "BUG: %1 too low!", 0,
	    PF_LONG | PF_NO_FUNC),
	/* 7.x lockdep_cleanup_dead_cpu(): irq events follow, no stack */
	ROW("^CPU [0-9]+ left hardirqs enabled!", K_LOCKDEP,
	    "CPU left hardirqs enabled", 0, PF_NO_FUNC | PF_NO_STACK),
	/* lockdep turns itself off after this one */
	LOCKDEP("INFO: trying to register non-static key",
		"INFO: trying to register non-static key", NULL,
		.skip = SKIP("stack", "lock", "IRQ")),
	WARN_IN("lib/debugobjects.c", ANY_FN, K_WARNING,
		"WARNING: ODEBUG bug",
		.skip = SKIP("debug_", "rcu", "hrtimer_", "timer_", "work_",
			     "percpu_", "kmem_", "slab_", "kfree", "vunmap",
			     "vfree", "__free_", "debug_check", "kobject_")),
	WARN_IN("mm/usercopy.c", ANY_FN, K_WARNING, "WARNING: bad usercopy",
		.skip = SKIP("usercopy", "__check")),
	WARN_IN("lib/kobject.c", ANY_FN, K_WARNING, "WARNING: kobject bug",
		.skip = SKIP("kobject_")),
	WARN_IN("fs/proc/generic.c", ANY_FN, K_WARNING,
		"WARNING: proc registration bug", .skip = SKIP("proc_")),
	WARN_IN("lib/refcount.c", ANY_FN, K_WARNING, "WARNING: refcount bug",
		.skip = SKIP("refcount", "kobject_")),
	/* DEBUG_LOCKS_WARN_ON(): lockdep found its own state broken */
	WARN_IN("kernel/locking/lockdep.c",
		"([A-Za-z0-9_.]*lock_[A-Za-z0-9_.]*)", K_LOCKDEP,
		"WARNING: locking bug",
		.skip = SKIP("lock_sock", "release_sock")),
	/*
	 * The other WARNINGs of lockdep.c and the mutex debugging's
	 * DEBUG_LOCKS_WARN_ON() switch lockdep off too: syzkaller's title,
	 * lockdep's kind.
	 */
	WARN_IN("kernel/locking/lockdep.c", ANY_FN, K_LOCKDEP, "WARNING"),
	WARN_AT("kernel/locking/mutex", "kernel/locking/mutex(-debug)?\\.c",
		ANY_FN, K_LOCKDEP, "WARNING"),
	WARN_AT("malloc", "mm/[^ ]*\\.c",
		"(k?[A-Za-z0-9_]?malloc[A-Za-z0-9_.]*)", K_WARNING,
		"WARNING: kmalloc bug",
		.skip = SKIP("kmalloc", "krealloc", "slab", "kmem")),
	WARN_IN("mm/vmalloc.c", "(__vmalloc_node[A-Za-z0-9_.]*)", K_WARNING,
		"WARNING: zero-size vmalloc"),
	/* 6.x: "WARNING: CPU: 1 PID: 85 at file.c:12 fn+0x3a/0x50" */
	ROW("^WARNING: CPU: [0-9]+ PID: [0-9]+ at ([^ ]+ )?" FN, K_WARNING,
	    "WARNING", 2, RIP_FLAGS),
	/* 7.x: "WARNING: file.c:12 at fn+0x3a/0x50, CPU#1: comm/85" */
	ROW("^WARNING: ([^ ]+ )?at " FN, K_WARNING, "WARNING", 2, RIP_FLAGS),
	ROW("^WARNING: ([^ ]+ )?at 0x[0-9a-f]+, CPU#", K_WARNING, "WARNING", 0,
	    RIP_FLAGS),
	/* before 3.11: "WARNING: at file.c:12 fn+0x3a/0x50()", 2.6.2x "fn()" */
	ROW("^WARNING: at [^ ]+:[0-9]+ " ANY_FN "(\\+0x|\\(\\))", K_WARNING,
	    "WARNING", 1, RIP_FLAGS),
	ROW("^BUG: KASAN: (double-free or invalid-free|double-free|"
	    "invalid-free) in " FN, K_KASAN, "KASAN: invalid-free", 2,
	    PF_RULE_END, .skip = SKIP("slab_", "kfree", "vunmap", "vfree")),
	ROW("^BUG: KASAN: (.+) in " FN, K_KASAN, "KASAN: %1 %Q", 2,
	    PF_RULE_END, .qual_re = "^(Read|Write) (of size|at addr)"),
	/* "BUG: KASAN: wild-memory-access on address ..." */
	ROW("^BUG: KASAN: ([a-z-]+)", K_KASAN, "KASAN: %1 %Q", 0,
	    PF_RULE_END | PF_NO_FUNC,
	    .qual_re = "^(Read|Write) (of size|at addr)"),
	ROW("^BUG: KCSAN: ([a-z: -]*[a-z]) in (.+)$", K_KCSAN,
	    "KCSAN: %1 in %2", 0, PF_RULE_END | PF_ANY_FRAMES | PF_NO_FUNC),
	/*
	 * "UBSAN: type in file.c:1:2" between "cut here" and "---[ end
	 * trace ]---" (6.12, 7.x), or between two "=====" rules (6.3).
	 */
	ROW("^UBSAN: Undefined behaviour in", K_UBSAN,
	    "UBSAN: undefined-behaviour", 0, PF_RULE_END,
	    .skip = SKIP("ubsan", "overflow")),
	ROW("^UBSAN: ([A-Za-z -]*[a-z]) in [^ ]+:[0-9]+", K_UBSAN, "UBSAN: %1",
	    0, PF_RULE_END, .skip = SKIP("ubsan", "overflow")),
	/*
	 * CONFIG_UBSAN_TRAP, x86: "UBSAN: array index out of bounds at
	 * fn+0x1a/0x30", then an "Oops: invalid opcode" of its own; arm64
	 * dies with the text as the oops's.
	 */
	ROW("^UBSAN: ([a-z /-]*[a-z]) at " FN, K_UBSAN, "UBSAN: %1", 2,
	    PF_NO_STACK),
	ROW("^Internal error: UBSAN: ([a-z /-]*[a-z]): ", K_UBSAN, "UBSAN: %1",
	    0, RIP_FLAGS),
	ROW("^BUG: sleeping function called from invalid context", K_BUG,
	    "BUG: sleeping function called from invalid context", 0, 0),
	ROW("^BUG: scheduling while atomic", K_BUG,
	    "BUG: scheduling while atomic", 0, 0, .skip = SKIP("schedule")),
	ROW("^BUG: scheduling in a non-blocking section", K_BUG,
	    "BUG: scheduling in a non-blocking section", 0, 0,
	    .skip = SKIP("schedule")),
	/* cant_sleep(), cant_migrate() */
	ROW("^BUG: assuming (atomic|non migratable) context at", K_BUG,
	    "BUG: assuming %1 context", 0, 0),
	ROW("^BUG: using ([a-z_]+)\\(\\) in preemptible", K_BUG,
	    "BUG: using %1() in preemptible code", 0, 0,
	    .skip = SKIP("dump_stack", "preemption", "preempt", "debug_",
			 "processor_id", "this_cpu")),
	ROW("^BUG: (spinlock|rwlock) (lockup suspected|already unlocked|"
	    "recursion|cpu recursion|bad magic|wrong owner|wrong CPU|"
	    "trylock failure on UP)", K_BUG, "BUG: %1 %2", 0, 0,
	    .skip = SKIP("spin_", "rwlock_", "_lock", "_unlock")),
	ROW("^BUG: kernel NULL pointer dereference", K_OOPS,
	    "BUG: unable to handle kernel NULL pointer dereference", 0,
	    RIP_FLAGS),
	ROW("^BUG: unable to handle kernel NULL pointer dereference", K_OOPS,
	    "BUG: unable to handle kernel NULL pointer dereference", 0,
	    RIP_FLAGS),
	/* x86 5.x+ says "page fault for address"; syzkaller one title */
	ROW("^BUG: (unable to handle page fault for address|"
	    "unable to handle kernel paging request|"
	    "Unable to handle kernel data access)", K_OOPS,
	    "BUG: unable to handle kernel paging request", 0, RIP_FLAGS),
	/* arm, arm64 */
	ROW("^Unable to handle kernel (paging request|NULL pointer "
	    "dereference|access to user memory)", K_OOPS,
	    "BUG: unable to handle kernel %1", 0, RIP_FLAGS),
	ROW("^kernel BUG at ", K_OOPS, "kernel BUG", 0, RIP_FLAGS),
	ROW("^Oops: general protection fault", K_OOPS,
	    "general protection fault", 0, RIP_FLAGS | PF_CONT),
	ROW("^general protection fault", K_OOPS, "general protection fault", 0,
	    RIP_FLAGS | PF_CONT),
	ROW("^Oops: ", K_OOPS, "Oops", 0, RIP_FLAGS | PF_CONT),
	/* arm/arm64 "Internal error: Oops: 96000044 [#1]" */
	ROW("^Internal error: ", K_OOPS, "Internal error", 0,
	    RIP_FLAGS | PF_CONT),
	ROW("^Kernel panic - not syncing: (.*[^ ])", K_OOPS, "kernel panic: %1",
	    0, PF_PANIC | PF_NO_FUNC),
	ROW("^kmemleak: unreferenced object", K_KMEMLEAK, "memory leak", 0,
	    PF_LEAK),
	ROW("^unreferenced object", K_KMEMLEAK, "memory leak", 0, PF_LEAK),
	/* kmemleak_warn(): the kmemleak API misused, then a stack */
	ROW("^kmemleak: ((Partially )?[Ff]reeing|Trying to color|"
	    "Not resetting the checksum of an|Adding scan area to|"
	    "Setting excess_ref on|Not scanning|Updating stack trace for) "
	    "unknown object", K_WARNING, "kmemleak: %1 unknown object", 0, 0,
	    .skip = KMEMLEAK_API),
	ROW("^kmemleak: (Found object by alias|Scan area larger than object)",
	    K_WARNING, "kmemleak: %1", 0, 0, .skip = KMEMLEAK_API),
	ROW("^kmemleak: Cannot insert 0x[0-9a-f]+ into the object search tree",
	    K_WARNING, "kmemleak: Cannot insert into the object search tree",
	    0, 0, .skip = KMEMLEAK_API),
	ROW("^INFO: task .* blocked( in I/O wait)? for more than", K_HUNG_TASK,
	    "INFO: task hung", 0, 0),
	ROW("^INFO: task .* can't die for more than", K_HUNG_TASK,
	    "INFO: task can't die", 0, 0, .skip = SKIP("schedule")),
	/* csd_lock_suppress_rcu_stall: one line; the CSD-lock report apart */
	ROW("^rcu: INFO: rcu_[a-z_]+ detected( expedited)? stalls?, but "
	    "suppressed full report", K_RCU_STALL, "INFO: rcu detected stall",
	    0, PF_NO_FUNC | PF_NO_STACK),
	ROW("^rcu: INFO: rcu_[a-z_]+ (self-)?detected( expedited)? stall",
	    K_RCU_STALL, "INFO: rcu detected stall", 0,
	    RIP_FLAGS | PF_SKIP_IRQ),
	ROW("^INFO: rcu_[a-z_]+ (self-)?detected( expedited)? stall",
	    K_RCU_STALL, "INFO: rcu detected stall", 0,
	    RIP_FLAGS | PF_SKIP_IRQ),
	ROW("^watchdog: BUG: soft lockup", K_SOFT_LOCKUP, "BUG: soft lockup", 0,
	    RIP_FLAGS | PF_SKIP_IRQ),
	ROW("^BUG: soft lockup", K_SOFT_LOCKUP, "BUG: soft lockup", 0,
	    RIP_FLAGS | PF_SKIP_IRQ),
	/* 4.x, 5.x */
	ROW("^NMI watchdog: BUG: soft lockup", K_SOFT_LOCKUP,
	    "BUG: soft lockup", 0, RIP_FLAGS | PF_SKIP_IRQ),
	/* 6.x "watchdog: Watchdog ...", 7.x "watchdog: CPU0: Watchdog ..." */
	ROW("^watchdog: (CPU[0-9]+: )?Watchdog detected hard LOCKUP on cpu",
	    K_HARD_LOCKUP, "Watchdog detected hard LOCKUP", 0,
	    RIP_FLAGS | PF_SKIP_IRQ),
	ROW("^NMI watchdog: Watchdog detected hard LOCKUP on cpu",
	    K_HARD_LOCKUP, "Watchdog detected hard LOCKUP", 0,
	    RIP_FLAGS | PF_SKIP_IRQ),
	/* Any other "BUG: text" line; text stops at ':', '[', '-' or digits. */
	ROW("^BUG: ([A-Za-z_() ]*[A-Za-z_)])", K_BUG, "BUG: %1", 0, 0),
};

#define NR_HEADERS (sizeof(headers) / sizeof(headers[0]))

/* Lines the project's harness prints around each scenario. */
static const struct marker_pat markers[] = {
	{ "^harness: BEGIN ([^ ]+)", MARK_BEGIN },
	{ "^harness: END ([^ ]+)", MARK_END },
};

#define NR_MARKERS (sizeof(markers) / sizeof(markers[0]))

/*
 * Frames that belong to locking, debugging, printing, scheduling or
 * allocation machinery rather than to the code at fault.  A trailing
 * '*' matches a prefix.  Compiler suffixes (".cold", ".isra.0") are
 * stripped before comparing.  leak_only rows apply to kmemleak only:
 * there the allocator is machinery, elsewhere it may be the culprit.
 */
#define N(name) { name, false }
#define L(name) { name, true }

static const struct {
	const char *name;
	bool leak_only;
} noise_frames[] = {
	/* lockdep and lock primitives */
	N("lock_acquire*"), N("lock_release*"), N("lock_sync"),
	N("__lock_acquire*"), N("__lock_release*"), N("lockdep_*"),
	N("__lockdep_*"), N("lock_is_held*"), N("check_*"),
	N("validate_chain"), N("mark_lock*"), N("mark_usage"),
	N("mark_held_locks"), N("valid_state"), N("find_held_lock"),
	N("debug_locks_off*"), N("__bfs*"), N("add_chain_cache"),
	N("look_up_lock_class"), N("register_lock_class"),
	N("mutex_lock*"), N("__mutex_lock*"), N("mutex_unlock*"),
	N("__mutex_unlock*"), N("mutex_trylock*"), N("ww_mutex_*"),
	N("__ww_mutex_*"), N("down_read*"), N("down_write*"),
	N("__down_*"), N("up_read*"), N("up_write*"), N("rwsem_*"),
	N("percpu_down_*"), N("percpu_up_*"), N("percpu_rwsem_*"),
	N("_raw_spin_*"), N("_raw_read_*"), N("_raw_write_*"),
	N("do_raw_spin_*"), N("__raw_spin_*"), N("queued_spin_*"),
	N("native_queued_spin_*"), N("__pv_queued_spin_*"),
	N("queued_read_*"), N("queued_write_*"), N("rt_spin_*"),
	N("rt_mutex_*"), N("__rt_mutex_*"), N("rt_read_*"),
	N("rt_write_*"), N("lock_sock"), N("lock_sock_nested"),
	N("rcu_read_lock*"), N("rcu_read_unlock*"), N("rcu_lock_*"),
	N("debug_check_no_*"),	/* _locks_freed, _locks_held, _obj_freed */
	/* printing and stack dumping */
	N("print_*"), N("__print_*"), N("dump_stack*"), N("__dump_stack"),
	N("show_stack*"), N("show_trace*"), N("show_regs*"),
	N("__show_regs"), N("dump_backtrace*"), N("printk*"),
	N("vprintk*"), N("_printk"), N("panic"), N("nmi_cpu_backtrace*"),
	N("nmi_trigger_cpumask_backtrace"), N("rcu_dump_cpu_stacks"),
	N("dump_cpu_task"), N("sched_show_task"), N("_sched_show_task"),
	/* WARN/BUG trap handling */
	N("__warn*"), N("warn_slowpath*"), N("report_bug"),
	N("__report_bug"), N("handle_bug"), N("fixup_bug"),
	N("do_error_trap"), N("do_invalid_op"), N("invalid_op"),
	N("exc_invalid_op"), N("asm_exc_invalid_op"), N("do_trap"),
	/* might_sleep and the scheduler */
	N("__might_sleep"), N("__might_resched"), N("___might_sleep"),
	N("__might_fault"), N("__cant_sleep"), N("__cant_migrate"),
	N("__schedule_bug"),
	N("__schedule"), N("schedule"), N("schedule_*"),
	N("preempt_schedule*"), N("io_schedule*"), N("__switch_to*"),
	N("context_switch"), N("__wait_for_common"),
	N("wait_for_common*"), N("wait_for_completion*"),
	N("__flush_work"), N("flush_work"), N("folio_wait_bit*"),
	/* sanitizers */
	N("kasan_*"), N("__kasan_*"), N("__asan_*"), N("asan_*"),
	N("check_memory_region*"), N("kcsan_*"), N("__kcsan_*"),
	N("__tsan_*"), N("kmsan_*"), N("__msan_*"), N("kmemleak_*"),
	N("__sanitizer_cov_*"), N("save_stack*"), N("stack_trace_save*"),
	/* string primitives ("memset_orig", "memcpy_erms") and retpolines */
	N("memcpy*"), N("memset*"), N("memmove*"), N("__memcpy*"),
	N("__memset*"), N("__memmove*"), N("__x86_indirect_thunk_*"),
	N("__x86_indirect_call_thunk_*"), N("__x86_indirect_jump_thunk_*"),
	N("__x86_return_thunk"), N("srso_return_thunk"),
	N("srso_alias_return_thunk"),
	/* timer interrupt and watchdog plumbing (stalls, soft lockups) */
	N("watchdog_timer_fn"), N("__hrtimer_run_queues"),
	N("hrtimer_interrupt"), N("rcu_sched_clock_irq"),
	N("rcu_check_callbacks*"), N("rcu_pending"),
	N("update_process_times"), N("tick_*"), N("sysvec_*"),
	N("__sysvec_*"), N("asm_sysvec_*"), N("local_apic_timer_interrupt"),
	N("smp_apic_timer_interrupt*"), N("apic_timer_interrupt"),
	N("trace_hardirqs_*"),
	/* the NMI of the hard lockup detector */
	N("watchdog_hardlockup_check"), N("watchdog_overflow_callback"),
	N("watchdog_buddy_check_hardlockup"), N("__perf_event_overflow"),
	N("perf_event_overflow"), N("handle_pmi_common"),
	N("intel_pmu_handle_irq"), N("perf_event_nmi_handler"),
	N("nmi_handle*"), N("default_do_nmi"), N("exc_nmi"),
	N("asm_exc_nmi"), N("end_repeat_nmi"),
	/* allocators, for memory leaks only */
	L("kmalloc*"), L("__kmalloc*"),
	L("kmem_cache_alloc*"), L("__kmem_cache_alloc*"),
	L("kzalloc*"), L("kvmalloc*"), L("__kvmalloc*"),
	L("krealloc*"), L("slab_post_alloc_hook"),
	L("slab_alloc*"), L("__slab_alloc*"),
	L("___slab_alloc"), L("alloc_pages*"),
	L("__alloc_pages*"), L("vmalloc*"),
	L("__vmalloc*"), L("kmemdup*"), L("kstrdup*"),
	L("pcpu_alloc*"), L("__alloc_percpu*"),
};

#define NR_NOISE (sizeof(noise_frames) / sizeof(noise_frames[0]))

struct compiled {
	regex_t rx;
	char lead[40];		/* literal prefix, checked before the regex */
	size_t lead_len;
	const char *need;	/* and this text, for rows that share a lead */
};

static struct compiled hdr_rx[NR_HEADERS], hdr_qrx[NR_HEADERS];
static struct compiled mark_rx[NR_MARKERS];
static bool hdr_first[256];	/* first bytes of all header leads */
static bool mark_first[256];
static size_t nr_compiled_hdr, nr_compiled_mark;

const char *kind_name(enum kind k)
{
	return kind_names[k];
}

/*
 * The literal text a regex starts with: cheap to test on every line.
 * "\[" is a literal '['; a literal followed by a quantifier is optional
 * and ends the lead before it.
 */
static void extract_lead(const char *re, struct compiled *c)
{
	size_t n = 0;

	if (*re == '^')
		re++;
	while (*re && n < sizeof(c->lead) - 1) {
		const char *next = re + 1;
		char ch = *re;

		if (ch == '\\' && re[1] && !isalnum((unsigned char)re[1])) {
			ch = re[1];
			next = re + 2;
		} else if (strchr(".[]()*+?{}|^$\\", ch)) {
			break;
		}
		if (*next && strchr("*?{", *next))
			break;
		c->lead[n++] = ch;
		re = next;
	}
	c->lead[n] = '\0';
	c->lead_len = n;
}

static int compile(const char *re, struct compiled *c, char *err,
		   size_t errlen)
{
	int rc = regcomp(&c->rx, re, REG_EXTENDED);

	if (rc) {
		char msg[128];

		regerror(rc, &c->rx, msg, sizeof(msg));
		snprintf(err, errlen, "bad pattern '%s': %s", re, msg);
		return -1;
	}
	extract_lead(re, c);
	return 0;
}

static void free_header(size_t i)
{
	regfree(&hdr_rx[i].rx);
	if (headers[i].qual_re)
		regfree(&hdr_qrx[i].rx);
}

int patterns_init(char *err, size_t errlen)
{
	for (size_t i = 0; i < NR_HEADERS; i++) {
		const struct header_pat *h = &headers[i];

		if (compile(h->re, &hdr_rx[i], err, errlen))
			return -1;
		if (h->qual_re &&
		    compile(h->qual_re, &hdr_qrx[i], err, errlen)) {
			regfree(&hdr_rx[i].rx);
			return -1;
		}
		hdr_rx[i].need = h->need;
		nr_compiled_hdr++;
		/* a row without a lead would be tried on every line */
		if (!hdr_rx[i].lead_len) {
			snprintf(err, errlen, "pattern '%s' has no lead",
				 h->re);
			return -1;
		}
		hdr_first[(unsigned char)hdr_rx[i].lead[0]] = true;
	}
	for (size_t i = 0; i < NR_MARKERS; i++) {
		if (compile(markers[i].re, &mark_rx[i], err, errlen))
			return -1;
		nr_compiled_mark++;
		mark_first[(unsigned char)mark_rx[i].lead[0]] = true;
	}
	return 0;
}

void patterns_free(void)
{
	for (size_t i = 0; i < nr_compiled_hdr; i++)
		free_header(i);
	for (size_t i = 0; i < nr_compiled_mark; i++)
		regfree(&mark_rx[i].rx);
	nr_compiled_hdr = nr_compiled_mark = 0;
}

static bool run(const struct compiled *c, const char *msg, regmatch_t *m,
		size_t nm)
{
	if (strncmp(msg, c->lead, c->lead_len))
		return false;
	if (c->need && !strstr(msg, c->need))
		return false;
	return regexec(&c->rx, msg, nm, m, 0) == 0;
}

static void copy_group(const char *msg, const regmatch_t *m, char *out,
		       size_t len)
{
	size_t n = 0;

	if (m->rm_so >= 0) {
		n = (size_t)(m->rm_eo - m->rm_so);
		if (n >= len)
			n = len - 1;
		memcpy(out, msg + m->rm_so, n);
	}
	out[n] = '\0';
}

/* Row @i of the table, or NULL past its end. */
const struct header_pat *header_row(size_t i)
{
	return i < NR_HEADERS ? &headers[i] : NULL;
}

const struct header_pat *match_header(const char *msg, struct caps *caps)
{
	regmatch_t m[MAX_CAPS + 1];

	if (!hdr_first[(unsigned char)msg[0]])
		return NULL;
	for (size_t i = 0; i < NR_HEADERS; i++) {
		if (!run(&hdr_rx[i], msg, m, MAX_CAPS + 1))
			continue;
		for (int g = 0; g <= MAX_CAPS; g++)
			copy_group(msg, &m[g], caps->s[g], sizeof(caps->s[g]));
		return &headers[i];
	}
	return NULL;
}

bool match_qualifier(const struct header_pat *p, const char *msg,
		     char *out, size_t outlen)
{
	regmatch_t m[2];

	if (!p->qual_re || !run(&hdr_qrx[p - headers], msg, m, 2))
		return false;
	copy_group(msg, &m[1], out, outlen);
	return true;
}

bool match_section(const struct header_pat *p, const char *msg)
{
	return p->sect && strstr(msg, p->sect);
}

/*
 * Lockdep's section ends where it turns to the locks held and the
 * dependency chains: their lock sites are not where the report is.
 */
bool match_section_end(const char *msg)
{
	return strstr(msg, "other info that might help us debug this");
}

/* Returns the marker action, or -1; the scenario name goes to @scenario. */
int match_marker(const char *msg, char *scenario, size_t len)
{
	regmatch_t m[2];

	if (!mark_first[(unsigned char)msg[0]])
		return -1;
	for (size_t i = 0; i < NR_MARKERS; i++) {
		if (run(&mark_rx[i], msg, m, 2)) {
			copy_group(msg, &m[1], scenario, len);
			return markers[i].action;
		}
	}
	return -1;
}

bool frame_is_noise(const struct header_pat *p, const char *name)
{
	size_t n = strcspn(name, ".");
	bool leak = p->flags & PF_LEAK;
	char base[NAME_LEN];

	for (size_t i = 0; i < NR_NOISE; i++) {
		const char *pat = noise_frames[i].name;
		size_t pl = strlen(pat);

		if (noise_frames[i].leak_only && !leak)
			continue;
		if (pat[pl - 1] == '*') {
			if (n >= pl - 1 && !strncmp(name, pat, pl - 1))
				return true;
		} else if (n == pl && !strncmp(name, pat, n)) {
			return true;
		}
	}
	if (!p->skip)
		return false;
	snprintf(base, sizeof(base), "%.*s", (int)n, name);
	for (const char *const *sk = p->skip; *sk; sk++)
		if (strstr(base, *sk))
			return true;
	return false;
}
