//! Values that cross from one Lua state to another (`thread:set`, `thread:get`), copied as
//! wrk's `script_copy_value` does (wg/wrk src/script.c): nil, booleans, numbers, strings and
//! tables of these, recursively; anything else is refused with wrk's words
//! ("cannot transfer 'function' to thread").

use mlua::{Lua, Value};

/// A table nested this deep is taken for a cycle (wrk would recurse until it crashed).
const MAX_DEPTH: usize = 64;

/// A Lua value outside any state.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Plain {
    Nil,
    Bool(bool),
    Integer(i64),
    Number(f64),
    Str(Vec<u8>),
    Table(Vec<(Plain, Plain)>),
}

impl Plain {
    /// Copies `value` out of its state.
    pub(crate) fn from_lua(value: &Value) -> mlua::Result<Plain> {
        Self::copy(value, 0)
    }

    fn copy(value: &Value, depth: usize) -> mlua::Result<Plain> {
        Ok(match value {
            Value::Nil => Plain::Nil,
            Value::Boolean(b) => Plain::Bool(*b),
            Value::Integer(i) => Plain::Integer(*i),
            Value::Number(n) => Plain::Number(*n),
            Value::String(s) => Plain::Str(s.as_bytes().to_vec()),
            Value::Table(t) => {
                if depth >= MAX_DEPTH {
                    return Err(mlua::Error::runtime(format!(
                        "cannot transfer a table nested deeper than {MAX_DEPTH} levels to thread"
                    )));
                }
                let mut pairs = Vec::new();
                for pair in t.clone().pairs::<Value, Value>() {
                    let (k, v) = pair?;
                    pairs.push((Self::copy(&k, depth + 1)?, Self::copy(&v, depth + 1)?));
                }
                Plain::Table(pairs)
            }
            other => {
                return Err(mlua::Error::runtime(format!(
                    "cannot transfer '{}' to thread",
                    other.type_name()
                )))
            }
        })
    }

    /// Makes the value in `lua`.
    pub(crate) fn to_lua(&self, lua: &Lua) -> mlua::Result<Value> {
        Ok(match self {
            Plain::Nil => Value::Nil,
            Plain::Bool(b) => Value::Boolean(*b),
            Plain::Integer(i) => Value::Integer(*i),
            Plain::Number(n) => Value::Number(*n),
            Plain::Str(s) => Value::String(lua.create_string(s)?),
            Plain::Table(pairs) => {
                let t = lua.create_table()?;
                for (k, v) in pairs {
                    t.raw_set(k.to_lua(lua)?, v.to_lua(lua)?)?;
                }
                Value::Table(t)
            }
        })
    }
}
