#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast macro Swift cannot import: tell SQLite to copy bound values.
static inline void (*cg_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }

// sqlite3_config is variadic. Memory statistics take a global mutex on every allocation; the gateway never reads
// them. Must run before SQLite initializes (SQLITE_MISUSE after, which changes nothing).
static inline int cg_sqlite_disable_memstatus(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

#include <malloc.h>

// Hands the C heap's free memory back to the system: after a schema migration's large page cache and sorts, glibc
// would otherwise keep it resident.
static inline int cg_malloc_trim(void) { return malloc_trim(0); }
