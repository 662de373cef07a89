//! `matrix = { axis = [values] | { label = value } }`: a case expanded into one case per
//! combination of values, named by the values' labels in the order the axes are written
//! (the first axis varies slowest): `forward_get[h1-small]`.

use super::node::{Res, Val};

/// One combination: its label (`h1-small`) and each axis's value.
pub(crate) struct Combo {
    pub label: String,
    pub values: Vec<(String, String)>,
}

/// An axis as written: its name, the value for errors, and (label, value) pairs.
pub(crate) struct Axis<'a> {
    pub name: String,
    pub val: Val<'a>,
    pub values: Vec<(String, String)>,
}

/// The axes of a `matrix` table.
pub(crate) fn axes<'a>(v: &Val<'a>) -> Res<Vec<Axis<'a>>> {
    let t = v.table()?;
    if t.is_empty() {
        return Err(v.err("a matrix needs at least one axis"));
    }
    let mut out = Vec::new();
    for (name, _, val) in t.entries() {
        if name == "marker" || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(val.err(format!(
                "an axis name is letters, digits and _ (not marker): {name:?}"
            )));
        }
        let values = if val.is_table() {
            val.table()?
                .entries()
                .into_iter()
                .map(|(label, _, x)| Ok((checked_label(&x, label)?, scalar(&x)?)))
                .collect::<Res<Vec<_>>>()?
        } else {
            val.array()?
                .iter()
                .map(|x| {
                    let s = scalar(x)?;
                    Ok((checked_label(x, s.clone())?, s))
                })
                .collect::<Res<Vec<_>>>()?
        };
        if values.is_empty() {
            return Err(val.err("an axis needs at least one value"));
        }
        if let Some(i) =
            (1..values.len()).find(|&i| values[..i].iter().any(|(l, _)| *l == values[i].0))
        {
            return Err(val.err(format!(
                "label {:?} appears twice in this axis",
                values[i].0
            )));
        }
        out.push(Axis { name, val, values });
    }
    Ok(out)
}

/// Every combination, the first axis varying slowest.
pub(crate) fn combos(axes: &[Axis]) -> Vec<Combo> {
    let mut out = vec![Combo {
        label: String::new(),
        values: Vec::new(),
    }];
    for axis in axes {
        out = out
            .into_iter()
            .flat_map(|c| {
                axis.values.iter().map(move |(label, value)| Combo {
                    label: if c.label.is_empty() {
                        label.clone()
                    } else {
                        format!("{}-{label}", c.label)
                    },
                    values: c
                        .values
                        .iter()
                        .cloned()
                        .chain([(axis.name.clone(), value.clone())])
                        .collect(),
                })
            })
            .collect();
    }
    out
}

/// A matrix value: a string (templates expanded), an integer or a boolean, as text.
fn scalar(v: &Val) -> Res<String> {
    if v.is_str() {
        v.string()
    } else if v.is_bool() {
        v.bool().map(|b| b.to_string())
    } else {
        v.u64()
            .map(|n| n.to_string())
            .map_err(|_| v.err("a matrix value is a string, a number 0 or more, or a boolean"))
    }
}

/// A label goes into case names: letters, digits and `_ . : / + =`.
fn checked_label(v: &Val, label: String) -> Res<String> {
    let ok = !label.is_empty()
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.:/+=".contains(c));
    if ok {
        Ok(label)
    } else {
        Err(v.err(format!(
            "{label:?} cannot label a case name (letters, digits and _ . : / + = only): \
             write the axis as a table, label = value"
        )))
    }
}
