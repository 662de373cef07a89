//! Thread states: setup(thread) and thread:set/get, response() and delay() in workers that run
//! in their own threads, and done() reading each thread's globals after the run (tempesta-test
//! tools/wrk/results.lua: `Status %d : %d times`; cookie-one-client.lua: a cookie from a
//! response sent on the next requests).

mod support;

use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use support::{batch, header, loaded};
use tfw_engine::script::ScriptFactory;
use tfw_wrklua::{Summary, WrkScript};

/// tempesta-test's results.lua, as it is (with a local_init that pipelines two GETs).
const RESULTS_LUA: &str = r#"
local_init = function(args)
   req = wrk.format("GET", "/") .. wrk.format("GET", "/other")
end

request = function()
   return req
end

local threads = {}
local tid = 1

setup = function(thread)
    thread:set("id", tid)
    table.insert(threads, thread)
    tid = tid + 1
end

init = function(args)
    responses = {}
    for status=100,599 do
        responses[status] = 0
    end
    if local_init ~= nil then
        local_init(args)
    end
end

response = function(status, headers, body)
    responses[status] = responses[status] + 1
    if local_response ~= nil then
        local_response(status, headers, body)
    end
end

done = function(summary, latency, requests)
    responses = {}
    for status=100,599 do
        responses[status] = 0
    end
    for index, thread in ipairs(threads) do
        local tresp = thread:get("responses")
        for status=100,599 do
            responses[status] = responses[status] + tresp[status]
        end
    end

    io.write("---- RESULTS --------\n")
    for status=100,599 do
        if responses[status] > 0 then
            local tmpl = "Status %d : %d times\n"
            local result = tmpl:format(status, responses[status])
            io.write(result)
        end
    end
    io.write("---- END ------------\n")
end
"#;

/// Runs each worker of `factory` in its own thread (as the engine does), feeding it the
/// statuses of `plan[worker]`, and finishes it.
fn run_workers(factory: Arc<dyn ScriptFactory>, plan: Vec<Vec<u16>>) {
    let workers = plan.len();
    let handles: Vec<_> = plan
        .into_iter()
        .enumerate()
        .map(|(index, statuses)| {
            let factory = factory.clone();
            std::thread::spawn(move || {
                let mut worker = factory.worker(index, workers).expect("worker");
                for status in statuses {
                    let (_, heads) = batch(worker.as_mut());
                    assert_eq!(heads.len(), 2);
                    let headers: [(&[u8], &[u8]); 1] = [(b"Server", b"test")];
                    worker
                        .response(status, &headers, b"body")
                        .expect("response()");
                }
                worker.finish();
            })
        })
        .collect();
    for h in handles {
        h.join().expect("worker thread");
    }
}

fn empty_histogram() -> Histogram<u64> {
    Histogram::new(3).expect("histogram")
}

fn done_text(script: &WrkScript) -> String {
    let mut out = Vec::new();
    script
        .done_to(
            &mut out,
            &Summary::default(),
            &empty_histogram(),
            &empty_histogram(),
        )
        .expect("done()");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn results_lua_counts_statuses_over_all_threads() {
    let script = loaded("results.lua", RESULTS_LUA, 2);
    assert_eq!(script.pipeline(), 2);
    assert!(script.wants().request && script.wants().response);
    let plan = vec![
        vec![200, 200, 404, 200, 502],
        vec![200, 404, 200, 200, 200, 200],
    ];
    let mut expected: BTreeMap<u16, usize> = BTreeMap::new();
    for s in plan.iter().flatten() {
        *expected.entry(*s).or_default() += 1;
    }
    run_workers(script.factory(), plan);
    let text = done_text(&script);
    let mut lines: Vec<String> = vec!["---- RESULTS --------".into()];
    for (status, n) in &expected {
        lines.push(format!("Status {status} : {n} times"));
    }
    lines.push("---- END ------------".into());
    assert_eq!(text.lines().collect::<Vec<_>>(), lines);
}

#[test]
fn setup_values_reach_init_of_their_own_thread() {
    let script = loaded(
        "ids.lua",
        r#"
local tid = 0
setup = function(thread)
   tid = tid + 1
   thread:set("id", tid)
   thread:set("conf", { name = "t" .. tid, ports = { 80, 443 }, on = true })
   -- read back from the thread's state
   seen = (seen or "") .. thread:get("id") .. ","
end
init = function(args)
   wrk.headers["X-Thread"] = tostring(id)
   wrk.headers["X-Conf"] = conf.name .. ":" .. conf.ports[2] .. ":" .. tostring(conf.on)
   wrk.headers["X-Own"] = tostring(wrk.thread:get("id"))
end
request = function()
   return wrk.format()
end
done = function()
   print(seen)
end
"#,
        3,
    );
    let factory = script.factory();
    for index in 0..3 {
        let mut worker = factory.worker(index, 3).expect("worker");
        let (text, _) = batch(worker.as_mut());
        let id = (index + 1).to_string();
        assert_eq!(header(&text, "X-Thread"), Some(id.as_str()));
        assert_eq!(header(&text, "X-Own"), Some(id.as_str()));
        assert_eq!(
            header(&text, "X-Conf"),
            Some(format!("t{id}:443:true").as_str())
        );
        worker.finish();
    }
    assert_eq!(done_text(&script), "1,2,3,\n");
}

#[test]
fn response_counts_headers_and_cookie_goes_into_next_requests() {
    let script = loaded(
        "cookie.lua",
        r#"
cookie = nil
names = {}
bodies = 0
request = function()
   return wrk.format()
end
response = function(status, headers, body)
   for name, value in pairs(headers) do
      names[name] = (names[name] or 0) + 1
   end
   bodies = bodies + #body
   if not cookie and status == 302 then
      cookie = headers["set-cookie"]
      wrk.headers["Cookie"] = cookie
   end
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function()
   local t = threads[1]
   local names = t:get("names")
   print("set-cookie", names["set-cookie"], "server", names["server"], "bodies", t:get("bodies"))
end
"#,
        1,
    );
    let mut worker = script.factory().worker(0, 1).expect("worker");
    let (text, _) = batch(worker.as_mut());
    assert_eq!(header(&text, "Cookie"), None);
    let first: [(&[u8], &[u8]); 2] = [(b"server", b"t"), (b"set-cookie", b"s=42")];
    worker.response(302, &first, b"moved").expect("response()");
    let later: [(&[u8], &[u8]); 1] = [(b"server", b"t")];
    worker
        .response(200, &later, b"hello, world")
        .expect("response()");
    let (text, _) = batch(worker.as_mut());
    assert_eq!(header(&text, "Cookie"), Some("s=42"));
    worker.finish();
    let bodies = "moved".len() + "hello, world".len();
    assert_eq!(
        done_text(&script),
        format!("set-cookie\t1\tserver\t2\tbodies\t{bodies}\n")
    );
}

#[test]
fn delay_returns_milliseconds() {
    let script = loaded(
        "delay.lua",
        "local n = 0\ndelay = function()\n   n = n + 1\n   return n * 10 + 0.7\nend\n",
        1,
    );
    assert!(script.wants().delay);
    assert!(!script.wants().request);
    let mut worker = script.factory().worker(0, 1).expect("worker");
    assert_eq!(worker.delay().expect("delay()"), Duration::from_millis(10));
    assert_eq!(worker.delay().expect("delay()"), Duration::from_millis(20));
}

#[test]
fn runtime_error_in_response_names_its_line() {
    let script = loaded(
        "resp_err.lua",
        "response = function(status, headers, body)\n   if status == 500 then\n      error(\"bad status \" .. status)\n   end\nend\n",
        1,
    );
    let mut worker = script.factory().worker(0, 1).expect("worker");
    worker.response(200, &[], b"").expect("a 200 is fine");
    let err = worker.response(500, &[], b"").expect_err("a 500 fails");
    assert!(err.0.ends_with("resp_err.lua:3: bad status 500"), "{err}");
}

#[test]
fn thread_values_that_cannot_cross_states_are_refused() {
    let err = support::load(
        "fn.lua",
        "setup = function(thread) thread:set(\"f\", print) end\n",
        1,
    )
    .err()
    .expect("a function cannot be set");
    assert!(
        err.0.contains("cannot transfer 'function' to thread"),
        "{err}"
    );

    let err = support::load(
        "stop.lua",
        "setup = function(thread) thread:stop() end\n",
        1,
    )
    .err()
    .expect("stop is refused");
    assert!(err.0.contains("thread:stop() is not supported"), "{err}");

    let err = support::load(
        "field.lua",
        "setup = function(thread) thread.name = 1 end\n",
        1,
    )
    .err()
    .expect("other fields cannot be set");
    assert!(err.0.contains("cannot set 'name' on thread"), "{err}");
}

#[test]
fn a_state_is_used_by_one_worker_at_a_time() {
    let script = loaded(
        "one.lua",
        "request = function() return wrk.format() end\n",
        1,
    );
    let factory = script.factory();
    let worker = factory.worker(0, 1).expect("worker");
    let err = factory.worker(0, 1).err().expect("taken");
    assert!(err.0.contains("already in use"), "{err}");
    assert!(factory.worker(1, 2).is_err());
    drop(worker);
    // Back after the worker ends: a next run continues the thread's state.
    factory.worker(0, 1).expect("worker again");
}

#[test]
fn a_loaded_script_can_move_to_another_thread() {
    let script = loaded(
        "moved.lua",
        "local w = require \"wrk\"\ndone = function() print(w == wrk, wrk.method) end\n",
        1,
    );
    let text = std::thread::spawn(move || done_text(&script))
        .join()
        .expect("thread");
    assert_eq!(text, "true\tGET\n");
}
