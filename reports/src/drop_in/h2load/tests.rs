//! The printers against a real h2load 1.52 run's output (nghttp2 1.52.0 against nginx over
//! TLS, `h2load -n 100 -c 4 -m 2`): the same figures must print the same text.

use super::*;

fn real_run() -> Figures {
    Figures {
        finished_us: 14_020,
        rps: 7131.65,
        bytes_per_s: 463_268,
        counts: RequestCounts {
            total: 100,
            started: 100,
            done: 100,
            succeeded: 100,
            failed: 0,
            errored: 0,
            timeout: 0,
            classes: [100, 0, 0, 0],
        },
        bytes_total: 6496,
        bytes_head: 4300,
        bytes_body: 200,
        space_savings: 0.5275,
        request: SdStat {
            min: 103e-6,
            max: 1.75e-3,
            mean: 315e-6,
            sd: 309e-6,
            within_sd: 95.0,
        },
        connect: SdStat {
            min: 2.60e-3,
            max: 5.24e-3,
            mean: 4.06e-3,
            sd: 1.12e-3,
            within_sd: 50.0,
        },
        ttfb: SdStat {
            min: 5.67e-3,
            max: 6.21e-3,
            mean: 5.99e-3,
            sd: 225e-6,
            within_sd: 75.0,
        },
        client_rps: SdStat {
            min: 1884.69,
            max: 2098.49,
            mean: 1963.74,
            sd: 93.42,
            within_sd: 75.0,
        },
    }
}

const REAL: &str = "
finished in 14.02ms, 7131.65 req/s, 452.41KB/s
requests: 100 total, 100 started, 100 done, 100 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 100 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 6.34KB (6496) total, 4.20KB (4300) headers (space savings 52.75%), 200B (200) data
                     min         max         mean         sd        +/- sd
time for request:      103us      1.75ms       315us       309us    95.00%
time for connect:     2.60ms      5.24ms      4.06ms      1.12ms    50.00%
time to 1st byte:     5.67ms      6.21ms      5.99ms       225us    75.00%
req/s           :    1884.69     2098.49     1963.74       93.42    75.00%
";

#[test]
fn the_final_block_reads_as_h2loads() {
    assert_eq!(summary(&real_run()), REAL);
}

#[test]
fn an_empty_row_prints_zeros_as_h2load_does() {
    let mut f = real_run();
    f.ttfb = SdStat::default();
    let s = summary(&f);
    assert!(
        s.contains("time to 1st byte:        0us         0us         0us         0us     0.00%\n"),
        "{s}"
    );
}

#[test]
fn start_lines_split_clients_and_requests_as_h2load() {
    let threads: Vec<ThreadShare> = (0..2)
        .map(|i| ThreadShare {
            clients: split(5, 2, i) as u32,
            requests: split(101, 2, i),
        })
        .collect();
    assert_eq!(
        start_lines(&threads, None),
        "starting benchmark...\n\
         spawning thread #0: 3 total client(s). 51 total requests\n\
         spawning thread #1: 2 total client(s). 50 total requests\n"
    );
    let timing = Timing {
        warm_up: Duration::from_secs(1),
        duration: Duration::from_millis(2500),
    };
    assert_eq!(
        start_lines(&threads[..1], Some(timing)),
        "starting benchmark...\n\
         spawning thread #0: 3 total client(s). Timing-based test with 1s of warm-up time and \
         2.5s of main duration for measurements.\n"
    );
}

#[test]
fn progress_prints_each_tenth_passed_once() {
    assert_eq!(
        progress_lines(0, 25),
        "progress: 10% done\nprogress: 20% done\n"
    );
    assert_eq!(progress_lines(25, 29), "");
    assert_eq!(progress_lines(29, 100).lines().count(), 8);
    assert!(progress_lines(90, 100).ends_with("progress: 100% done\n"));
}
