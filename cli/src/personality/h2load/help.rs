//! `h2load --help` as tfw-bench's h2load gives it: h2load's usage line and the options it
//! takes, in h2load's words (nghttp2 src/h2load.cc `print_help`, tag v1.52.0), with what
//! tfw-bench does differently said where it does.

pub const VERSION: &str = "h2load nghttp2/1.52.0 (tfw-bench drop-in)";

pub const HELP: &str = "\
Usage: h2load [OPTIONS]... [URI]...
benchmarking tool for HTTP/2 server (tfw-bench's h2load personality)

  <URI>       Specify URI to access.   Multiple URIs can be specified.
              URIs are used  in this order for each  client.  The scheme,
              host and port in the subsequent URIs, if present, are ignored.
Options:
  -n, --requests=<N>
              Number of  requests across all  clients.  Ignored with -D.
              Default: 1
  -c, --clients=<N>
              Number  of concurrent  clients.
              Default: 1
  -t, --threads=<N>
              Number of native threads (tfw-bench workers).
              Default: 1
  -i, --input-file=<PATH>
              Path of a file with multiple URIs are separated by EOLs ('-':
              standard input).
  -m, --max-concurrent-streams=<N>
              Max  concurrent  streams  to issue  per  session.   When
              http/1.1  is used,  this  specifies the  number of  HTTP
              pipelining requests in-flight.
              Default: 1
  -f, --max-frame-size=<SIZE>
              Only the default 16K.
  -w, --window-bits=<N>
              Sets the stream level initial window size to (2**<N>)-1.
              Default: 30
  -W, --connection-window-bits=<N>
              Sets  the  connection  level   initial  window  size  to
              (2**<N>)-1.
              Default: 30
  -H, --header=<HEADER>
              Add/Override a header to the requests (:method, :authority,
              host and user-agent override).
  --ciphers=<SUITE>
              Allowed TLSv1.2 cipher list (OpenSSL names, ':'-separated;
              the suites rustls has).
  --tls13-ciphers=<SUITE>
              Allowed TLSv1.3 cipher list.
  --groups=<GROUPS>
              Supported groups: X25519, P-256, P-384.
  --sni=<DNSNAME>
              Server name sent in the TLS handshake.
  -p, --no-tls-proto=<PROTOID>
              Protocol for http URIs: h2c or http/1.1.
              Default: h2c
  -d, --data=<PATH>
              Post FILE to  server.  The request method  is changed to
              POST.
  -D, --duration=<DURATION>
              Main duration for the measurements (timing-based benchmarking).
  --warm-up-time=<DURATION>
              Time period before starting the actual measurements, with -D.
  -N, --connection-inactivity-timeout=<DURATION>
              Time a request waits for its response before it counts as a
              timeout (and its connection is opened again).
              Default: 10s in tfw-bench
  -B, --base-uri=<URI>
              Scheme, host and port to use for all requests.
  --alpn-list=<LIST>, --npn-list=<LIST>
              ALPN identifiers in order of preference; the first of h2 and
              http/1.1 found is offered (only that one).
              Default: h2,h2-16,h2-14,http/1.1
  --h1        Short hand for --alpn-list=http/1.1 --no-tls-proto=http/1.1.
  --header-table-size=<SIZE>, --encoder-header-table-size=<SIZE>
              Only the default 4K.
  --tfw-json=<PATH>
              Also write tfw-bench's JSON run document (or env TFW_BENCH_JSON).
  --version   Display version information and exit.
  -h, --help  Display this help and exit.

Refused by name (tfw-bench cannot honour them): -r/--rate, --rate-period,
-T, -v, --log-file, --timing-script-file, --rps, --connect-to, --ktls,
-B unix:PATH and the QUIC options.

  The <SIZE> argument is an integer and an optional unit (e.g., 10K is
  10 * 1024).  Units are K, M and G (powers of 1024).

  The <DURATION> argument is an integer and an optional unit (e.g., 1s
  is 1 second and 500ms is 500 milliseconds).  Units are h, m, s or ms
  (hours, minutes, seconds and milliseconds, respectively).  If a unit
  is omitted, a second is used as unit.
";
