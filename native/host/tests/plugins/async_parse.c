/*
 * A 3.x test plugin for the host's async-event and event-parsing paths (no fixture has these
 * capabilities). Built by tests/async_parse.rs with the system C compiler.
 *
 * Capabilities: parsing (type 322 only), async events ("tick"), extraction of one field,
 * "ap.parsed" (uint64): how many events this state has parsed. set_async_event_handler starts
 * a thread that emits "tick" events with data "1", "2", "3" and then one "tock" event (a name
 * not in get_async_events, so the handler must refuse it); its error text is kept as the
 * plugin's last error. A NULL handler joins the thread. dump_state emits one "tick" "dump".
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void ss_plugin_t;
typedef void ss_plugin_owner_t;
#pragma pack(push, 1)
typedef struct { uint64_t ts, tid; uint32_t len; uint16_t type; uint32_t nparams; } evt_hdr;
#pragma pack(pop)
typedef struct { const evt_hdr *evt; uint64_t evtnum; const char *evtsrc; } evt_input;
typedef int32_t (*handler_t)(ss_plugin_owner_t *, const evt_hdr *, char *);
typedef struct { const char *config; ss_plugin_owner_t *owner; void *get_owner_last_error; void *tables;
                 void (*log_fn)(ss_plugin_owner_t *, const char *, const char *, uint32_t); } init_input;
typedef struct { void *res; uint64_t res_len; uint32_t field_id; const char *field; const char *arg_key;
                 uint64_t arg_index; uint32_t arg_present, ftype, flist; } extract_field;
typedef struct { void *owner; void *err; uint32_t num_fields; extract_field *fields; } extract_input;

typedef struct {
	char lasterr[1024];
	uint64_t parsed, value;
	pthread_t thread;
	int running;
	ss_plugin_owner_t *owner;
	handler_t handler;
} state;

#define EXPORT __attribute__((visibility("default")))

EXPORT const char *plugin_get_required_api_version(void) { return "3.4.0"; }
EXPORT const char *plugin_get_name(void) { return "host_async_parse"; }
EXPORT const char *plugin_get_description(void) { return "plugin-host test plugin: async events and parsing"; }
EXPORT const char *plugin_get_contact(void) { return "scaptool native/host tests"; }
EXPORT const char *plugin_get_version(void) { return "0.1.0"; }
EXPORT const char *plugin_get_fields(void) { return "[{\"type\":\"uint64\",\"name\":\"ap.parsed\",\"desc\":\"events parsed\"}]"; }
EXPORT const char *plugin_get_async_events(void) { return "[\"tick\"]"; }
EXPORT const char *plugin_get_async_event_sources(void) { return "[\"dummy\"]"; }
EXPORT const char *plugin_get_parse_event_sources(void) { return "[\"dummy\"]"; }
EXPORT const char *plugin_get_extract_event_sources(void) { return "[\"dummy\"]"; }

static uint16_t g_types[1] = {322};
EXPORT uint16_t *plugin_get_parse_event_types(uint32_t *n, ss_plugin_t *s) { (void)s; *n = 1; return g_types; }

EXPORT ss_plugin_t *plugin_init(const init_input *in, int32_t *rc)
{
	state *s = calloc(1, sizeof(*s));
	if(in->log_fn) in->log_fn(in->owner, "async_parse", "hello from init", 6);
	*rc = 0;
	return s;
}
EXPORT void plugin_destroy(ss_plugin_t *s) { free(s); }
EXPORT const char *plugin_get_last_error(ss_plugin_t *s) { return ((state *)s)->lasterr; }

static void emit(state *s, const char *name, const char *data)
{
	uint32_t nl = (uint32_t)strlen(name) + 1, dl = (uint32_t)strlen(data);
	uint32_t len = 26 + 16 + nl + dl;
	uint8_t *buf = calloc(1, len);
	evt_hdr h = {(uint64_t)-1, (uint64_t)-1, len, 402, 3};
	uint32_t lens[4] = {4, nl, dl, 0};
	memcpy(buf, &h, 26);
	memcpy(buf + 26, lens, 16);
	memcpy(buf + 42, name, nl);
	memcpy(buf + 42 + nl, data, dl);
	char err[1024] = "";
	if(s->handler(s->owner, (const evt_hdr *)buf, err) != 0)
		snprintf(s->lasterr, sizeof(s->lasterr), "handler refused %s: %.900s", name, err);
	free(buf);
}

static void *run(void *arg)
{
	state *s = arg;
	emit(s, "tick", "1");
	emit(s, "tick", "2");
	emit(s, "tick", "3");
	emit(s, "tock", "x");
	return NULL;
}

EXPORT int32_t plugin_set_async_event_handler(ss_plugin_t *st, ss_plugin_owner_t *owner, handler_t h)
{
	state *s = st;
	if(s->running)
	{
		pthread_join(s->thread, NULL);
		s->running = 0;
	}
	if(!h) return 0;
	s->owner = owner;
	s->handler = h;
	s->running = pthread_create(&s->thread, NULL, run, s) == 0;
	return s->running ? 0 : 1;
}

EXPORT int32_t plugin_dump_state(ss_plugin_t *st, ss_plugin_owner_t *owner, handler_t h)
{
	state *s = st;
	handler_t saved = s->handler;
	ss_plugin_owner_t *saved_owner = s->owner;
	s->handler = h;
	s->owner = owner;
	emit(s, "tick", "dump");
	s->handler = saved;
	s->owner = saved_owner;
	return 0;
}

EXPORT int32_t plugin_parse_event(ss_plugin_t *st, const evt_input *ev, const void *in)
{
	(void)in;
	state *s = st;
	evt_hdr h;
	memcpy(&h, ev->evt, 26);
	if(h.type != 322) { snprintf(s->lasterr, sizeof(s->lasterr), "unexpected type %u", h.type); return 1; }
	s->parsed++;
	return 0;
}

EXPORT int32_t plugin_extract_fields(ss_plugin_t *st, const evt_input *ev, const extract_input *in)
{
	(void)ev;
	state *s = st;
	s->value = s->parsed;
	for(uint32_t i = 0; i < in->num_fields; i++)
	{
		in->fields[i].res = &s->value;
		in->fields[i].res_len = 1;
	}
	return 0;
}
