/* Compact versions of Docker's and Podman's default seccomp profiles, as hand-filled structs. */
#pragma once
#include "oci/config.h"

void docker_profile(struct oci_seccomp *s);
void podman_profile(struct oci_seccomp *s);
