#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast macro Swift cannot import: tell SQLite to copy bound values.
static inline void (*cg_sqlite_transient(void))(void *) { return SQLITE_TRANSIENT; }
