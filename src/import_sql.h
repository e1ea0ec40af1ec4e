/*-------------------------------------------------------------------------
 *
 * import_sql.h
 *		What import_sql.c offers the other SQL faces.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_CAPACITY_IMPORT_SQL_H
#define PG_CAPACITY_IMPORT_SQL_H

/* reset_history(): drop the points this transaction imported so far */
extern void cap_import_discard_pending(void);

#endif							/* PG_CAPACITY_IMPORT_SQL_H */
