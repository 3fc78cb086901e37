/* The mount options table: flags set and cleared in order, propagation kept in order,
 * recursive options (the atime field as the kernel wants it), data for the rest. */
#include <errno.h>
#include <stdint.h>
#include <sys/mount.h>

#include "linux/mounts.h"
#include "unit.h"

static void parse(struct mount_opts *o, char **opts)
{
	size_t n = 0;
	while (opts[n])
		n++;
	struct err e = { 0 };
	CHECK(mount_opts_parse(opts, n, o, &e) == 0);
}

static void test_flags(void)
{
	struct mount_opts o;
	parse(&o, (char *[]){ "nosuid", "ro", "rw", "noexec", "exec", "nodev", "strictatime",
			      "noatime", "atime", "nosymfollow", "defaults", NULL });
	CHECK(o.flags == (MS_NOSUID | MS_NODEV | MS_STRICTATIME | MS_NOSYMFOLLOW));
	CHECK(o.data == NULL);
	mount_opts_free(&o);
	parse(&o, (char *[]){ "rbind", "sync", "async", "dirsync", "lazytime", "silent",
			      "loud", "iversion", "mand", "nomand", "acl", "remount", NULL });
	CHECK(o.flags == (MS_BIND | MS_REC | MS_DIRSYNC | MS_LAZYTIME | MS_I_VERSION |
			  MS_POSIXACL | MS_REMOUNT));
	mount_opts_free(&o);
}

static void test_data_and_propagation(void)
{
	struct mount_opts o;
	parse(&o, (char *[]){ "mode=755", "nosuid", "size=65536k", "rslave", "shared",
			      "newinstance", "tmpcopyup", "idmap", NULL });
	CHECK_STR(o.data, "mode=755,size=65536k,newinstance");
	CHECK(o.n_propagation == 2);
	CHECK(o.n_propagation == 2 && o.propagation[0] == (MS_SLAVE | MS_REC) &&
	      o.propagation[1] == MS_SHARED);
	CHECK(o.tmpcopyup && o.idmap && !o.ridmap);
	mount_opts_free(&o);
}

static void test_recursive(void)
{
	struct mount_opts o;
	parse(&o, (char *[]){ "rro", "rnosuid", "rsuid", "rnodev", "rnoatime", NULL });
	CHECK(o.rec_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOATIME));
	CHECK(o.rec_clr == (MOUNT_ATTR_NOSUID | MOUNT_ATTR__ATIME));
	mount_opts_free(&o);
	parse(&o, (char *[]){ "rnoatime", "rstrictatime", "rrw", NULL });
	CHECK(o.rec_set == MOUNT_ATTR_STRICTATIME);
	CHECK(o.rec_clr == (MOUNT_ATTR__ATIME | MOUNT_ATTR_RDONLY));
	mount_opts_free(&o);
}

static void test_propagation_names(void)
{
	unsigned long f = 0;
	struct err e = { 0 };
	CHECK(mount_propagation_parse("rprivate", &f, &e) == 0 && f == (MS_PRIVATE | MS_REC));
	CHECK(mount_propagation_parse("slave", &f, &e) == 0 && f == MS_SLAVE);
	CHECK(mount_propagation_parse("bogus", &f, &e) < 0 && e.code == EINVAL);
	CHECK(mount_path_equal("/dev/", "//dev") && mount_path_equal("/a/../dev", "/dev"));
	CHECK(!mount_path_equal("/dev/pts", "/dev"));
}

int main(void)
{
	RUN_TEST(test_flags);
	RUN_TEST(test_data_and_propagation);
	RUN_TEST(test_recursive);
	RUN_TEST(test_propagation_names);
	UNIT_DONE();
}
