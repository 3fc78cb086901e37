/* linux.resources -> cgroup files. */
#include "cgroups/internal.h"

#include "util/log.h"

int cgroup_apply(struct cgroup *cg, const struct oci_resources *r, struct err *e)
{
	(void)r;
	(void)e;
	log_debug("cgroup %s: linux.resources not applied yet", cg->path);
	return 0;
}
