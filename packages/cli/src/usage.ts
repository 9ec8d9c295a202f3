/** `drain --help`. Kept next to the flags it describes (args.ts) and the codes (exit-codes.ts). */
export const USAGE = `drain: talk to a server's drain control endpoint (@drain/node, @drain/bun, @drain/deno with control: {...}).

Usage:
  drain status --socket PATH | --url URL [--token T] [--json]
  drain stop   --socket PATH | --url URL [--token T] [--json]
               [--mode graceful|lameduck|immediate] [--timeout DURATION] [--reason TEXT]
               [--wait] [--wait-timeout DURATION]

Commands:
  status   print the server's pid, phase and open connections
  stop     start a shutdown (or join the one under way) and print its progress;
           without --wait it returns once the server accepted,
           with --wait it returns when the drain reported and the server's process is gone

Flags:
  --socket PATH          the control endpoint's Unix socket
  --url URL              the control endpoint on loopback, e.g. http://127.0.0.1:9090
  --token T              bearer token (or set DRAIN_CONTROL_TOKEN, which keeps it out of ps)
  --json                 print the server's JSON lines as they are
  --mode M               graceful (default), lameduck, or immediate (force now; also escalates a running drain)
  --timeout DURATION     the server's budget for this shutdown, e.g. 20s (default: the server's own)
  --reason TEXT          recorded in the report and the server's log
  --wait                 block until the drain is done and the process is gone
  --wait-timeout DURATION  how long drain waits in all (default: until the end of the
                         budget the server reports on every line, + 5 s)
  DURATION is milliseconds (20000) or a number with ms, s or m (20s, 1m).

Exit codes:
  0 done, clean        1 done, but something was forced (or a cleanup hook failed)
  2 bad command line   3 refused by the server (token, rate limit, bad request)
  4 no endpoint there  5 timed out waiting   6 stream ended before the report
  7 not the drain control protocol`;
