/* Linux security modules: the process's AppArmor profile and SELinux label, written to
 * /proc/thread-self/attr through a verified procfs handle so that a container cannot
 * redirect the write (CVE-2019-16884, CVE-2023-27561). */
#pragma once
#include <stdbool.h>

#include "oci/config.h"
#include "util/error.h"

bool lsm_apparmor_enabled(void);
bool lsm_selinux_enabled(void);
/* Before anything is touched: a profile or label asked for where its LSM is off is an error
 * (runc's behaviour for both). */
int lsm_validate(const struct oci_process *p, struct err *e);
/* In the init/exec clone, before execve: label the exec (after lsm_validate). */
int lsm_apply(const struct oci_process *p, struct err *e);
