/*
 * Plugins that a framework refuses at load time, one concept per -D flag (built by
 * tests/load_rejections.rs with the system C compiler):
 *   API_3_13              requires API 3.13.0
 *   BROKEN_SOURCING       3.x: open/close/get_id/get_event_source but no next_batch
 *   NO_CAPABILITY         3.x: only the required symbols
 *   ID_WITHOUT_SOURCE     3.x source: get_id 5, get_event_source ""
 *   V0_EXTRACTOR_NO_FIELDS 0.3.0 extractor (get_type 2) without get_fields
 *   BAD_VERSION           plugin version "1.0"
 *   V0_1_NO_FREE_MEM      0.1.0 source without plugin_free_mem
 */
#include <stdint.h>
#include <stdlib.h>

#define EXPORT __attribute__((visibility("default")))

#if defined(API_3_13)
#define REQ "3.13.0"
#elif defined(V0_EXTRACTOR_NO_FIELDS)
#define REQ "0.3.0"
#elif defined(V0_1_NO_FREE_MEM)
#define REQ "0.1.0"
#else
#define REQ "3.0.0"
#endif

EXPORT const char *plugin_get_required_api_version(void) { return REQ; }
EXPORT const char *plugin_get_name(void) { return "broken"; }
EXPORT const char *plugin_get_description(void) { return "plugin-host load-rejection test"; }
EXPORT const char *plugin_get_contact(void) { return "scaptool native/host tests"; }
#ifdef BAD_VERSION
EXPORT const char *plugin_get_version(void) { return "1.0"; }
#else
EXPORT const char *plugin_get_version(void) { return "0.1.0"; }
#endif
EXPORT void *plugin_init(const void *in, int32_t *rc) { (void)in; *rc = 0; return malloc(1); }
EXPORT void plugin_destroy(void *s) { free(s); }
EXPORT const char *plugin_get_last_error(void *s) { (void)s; return ""; }

#if defined(V0_EXTRACTOR_NO_FIELDS) || defined(V0_1_NO_FREE_MEM)
EXPORT uint32_t plugin_get_type(void)
{
#ifdef V0_1_NO_FREE_MEM
	return 1;
#else
	return 2;
#endif
}
EXPORT int32_t plugin_extract_fields(void *s, const void *e, uint32_t n, void *f) { (void)s; (void)e; (void)n; (void)f; return 0; }
#endif

#if defined(BROKEN_SOURCING) || defined(ID_WITHOUT_SOURCE) || defined(API_3_13) || defined(BAD_VERSION)
EXPORT uint32_t plugin_get_id(void) { return 5; }
#ifdef ID_WITHOUT_SOURCE
EXPORT const char *plugin_get_event_source(void) { return ""; }
#else
EXPORT const char *plugin_get_event_source(void) { return "broken"; }
#endif
EXPORT void *plugin_open(void *s, const char *p, int32_t *rc) { (void)s; (void)p; *rc = 0; return malloc(1); }
EXPORT void plugin_close(void *s, void *h) { (void)s; free(h); }
#ifndef BROKEN_SOURCING
EXPORT int32_t plugin_next_batch(void *s, void *h, uint32_t *n, void ***e) { (void)s; (void)h; *n = 0; *e = 0; return 2; }
#endif
#endif
