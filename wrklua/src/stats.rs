//! The `latency` and `requests` arguments of `done()`: wrk's `wrk.stats` userdata (wg/wrk
//! src/script.c `script_stats_index`, `script_stats_call`, `script_stats_len`) over an HDR
//! histogram: `.min`, `.max`, `.mean`, `.stdev`, `:percentile(p)` (p in percent), `s(i)` (the
//! i-th distinct recorded value, from 1, and how many times it was recorded) and `#s` (how
//! many distinct values).

use crate::error::located;
use hdrhistogram::Histogram;
use mlua::{MetaMethod, UserData, UserDataMethods, Value};

/// One histogram as `done()` sees it.
pub(crate) struct Stats(pub(crate) Histogram<u64>);

impl Stats {
    fn min(&self) -> u64 {
        if self.0.is_empty() {
            0
        } else {
            self.0.min()
        }
    }

    /// The `index`-th (from 0) distinct recorded value and its count; (0, 0) past the end.
    fn value_at(&self, index: u64) -> (u64, u64) {
        self.0
            .iter_recorded()
            .nth(index as usize)
            .map(|v| {
                (
                    self.0.highest_equivalent(v.value_iterated_to()),
                    v.count_at_value(),
                )
            })
            .unwrap_or((0, 0))
    }
}

/// `s:percentile(p)`: the value below which `p` percent of the samples are.
fn percentile(lua: &mlua::Lua, (ud, p): (mlua::AnyUserData, f64)) -> mlua::Result<f64> {
    let s = ud.borrow::<Stats>()?;
    if !(0.0..=100.0).contains(&p) {
        let why = format!("percentile {p} is not between 0 and 100");
        return Err(located(lua, mlua::Error::runtime(why)));
    }
    Ok(s.0.value_at_percentile(p) as f64)
}

impl UserData for Stats {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_function(
            MetaMethod::Index,
            |lua, (ud, key): (mlua::AnyUserData, Value)| {
                let s = ud.borrow::<Stats>()?;
                let key = match &key {
                    Value::String(k) => k.to_string_lossy(),
                    _ => return Ok(Value::Nil),
                };
                Ok(match key.as_str() {
                    "min" => Value::Number(s.min() as f64),
                    "max" => Value::Number(s.0.max() as f64),
                    "mean" => Value::Number(s.0.mean()),
                    "stdev" => Value::Number(s.0.stdev()),
                    "percentile" => Value::Function(lua.create_function(percentile)?),
                    _ => Value::Nil,
                })
            },
        );
        methods.add_meta_method(MetaMethod::Call, |_, s, index: f64| {
            let index = if index >= 1.0 {
                index as u64 - 1
            } else {
                u64::MAX
            };
            let (value, count) = s.value_at(index);
            Ok((value as f64, count as f64))
        });
        methods.add_meta_method(MetaMethod::Len, |_, s, ()| {
            Ok(s.0.iter_recorded().count() as f64)
        });
    }
}
