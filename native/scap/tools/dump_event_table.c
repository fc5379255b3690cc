/* Prints libscap's event table (g_event_info) as tab-separated rows: type, name, nparams, flags,
 * category. Used by gen_event_table.sh; links Debian's libscap. */
#include <stdio.h>
#include <stdint.h>
#include "driver/ppm_events_public.h"

extern const struct ppm_event_info g_event_info[];

int main(void)
{
	for(int i = 0; i < PPM_EVENT_MAX; i++)
	{
		const struct ppm_event_info *e = &g_event_info[i];
		printf("%d\t%s\t%u\t%u\t%u\n", i, e->name, (unsigned)e->nparams, (unsigned)e->flags, (unsigned)e->category);
	}
	printf("# PPM_EVENT_MAX %d\n", PPM_EVENT_MAX);
	return 0;
}
