/* ECI mode's pure parts: the record of replaced runtimes, the id operand of a runtime command,
   whose state a container directory holds. */
#include <config.h>
#include <stdlib.h>
#include "eci.h"
#include "tap.h"

static void
test_record (void)
{
  static const char rec[] = "/usr/sbin/runc\t/usr/sbin/runc.ecirun-orig\tdpkg\n"
                            "/usr/local/bin/crun\t/usr/local/bin/crun.ecirun-orig\trename\n";
  char *o;

  o = eci_record_lookup (rec, "/usr/sbin/runc");
  TAP_STR_EQ (o, "/usr/sbin/runc.ecirun-orig", "a replaced path gives its original");
  free (o);
  o = eci_record_lookup (rec, "/usr/local/bin/crun");
  TAP_STR_EQ (o, "/usr/local/bin/crun.ecirun-orig", "the last line too");
  free (o);
  TAP_OK (eci_record_lookup (rec, "/usr/sbin/run") == NULL, "a prefix of a path is not it");
  TAP_OK (eci_record_lookup (rec, "/usr/sbin/runc.ecirun-orig") == NULL, "nor an original");
  TAP_OK (eci_record_lookup ("/x\trelative\trename\n", "/x") == NULL,
          "an original that is not an absolute path is ignored");
  TAP_OK (eci_record_lookup ("", "/x") == NULL, "an empty record");
}

static void
test_command_id (void)
{
  char *kill[] = { "kill", "--all", "ct1", "KILL", NULL };
  char *exec[] = { "exec", "--process", "/p.json", "--detach", "--pid-file", "/pid", "ct2", NULL };
  char *eq[] = { "exec", "--pid-file=/x", "-d", "ct3", "sh", NULL };
  char *upd[] = { "update", "--memory", "100m", "--pids-limit", "5", "ct4", NULL };
  char *dash[] = { "delete", "--", "-ct5", NULL };
  char *none[] = { "state", "--debug", NULL };

  TAP_STR_EQ (eci_command_id (4, kill), "ct1", "kill --all ID SIGNAL");
  TAP_STR_EQ (eci_command_id (7, exec), "ct2", "exec with valued options");
  TAP_STR_EQ (eci_command_id (5, eq), "ct3", "--opt=value takes no second argument");
  TAP_STR_EQ (eci_command_id (6, upd), "ct4", "update's resource options take values");
  TAP_STR_EQ (eci_command_id (3, dash), "-ct5", "after --, an operand");
  TAP_OK (eci_command_id (2, none) == NULL, "no operand, no id");
}

static void
test_state (void)
{
  TAP_OK (eci_state_is_foreign ("{\"id\":\"a\",\"init_process_pid\":12,\"config\":{}}", false),
          "runc's state.json is foreign");
  TAP_OK (!eci_state_is_foreign ("{\"id\":\"a\",\"pid\":12,\"idBlock\":{\"index\":3}}", false),
          "ecirun's is not");
  TAP_OK (!eci_state_is_foreign ("{\"init_process_pid\":1,\"idBlock\":{}}", false),
          "an ID block means ecirun's, whatever else is there");
  TAP_OK (!eci_state_is_foreign ("not json", false), "garbage is nobody's (ecirun refuses it)");
  TAP_OK (eci_state_is_foreign (NULL, true), "crun's status file without a state.json");
  TAP_OK (!eci_state_is_foreign (NULL, false), "an empty directory is nobody's");
}

int
main (void)
{
  test_record ();
  test_command_id ();
  test_state ();
  return tap_done ();
}
