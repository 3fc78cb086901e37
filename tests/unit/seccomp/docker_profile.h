/* A compact version of Docker's default seccomp profile, as hand-filled structs. */
#pragma once
#include "oci/config.h"

void docker_profile(struct oci_seccomp *s);
