//! A GNU getopt_long work-alike for the personalities whose tools parse their command line
//! with it (h2load, tls-perf): short options clustered (`-vn10`), values attached or
//! separate (`-n10`, `-n 10`, `--requests=10`, `--requests 10`), long options by any unique
//! prefix (`--req`), options and operands in any order, `--` ending the options, and glibc's
//! words for what it refuses ("unrecognized option '--x'", "invalid option -- 'z'", "option
//! requires an argument -- 'n'"), so that scripts see the same errors.

/// One option the tool knows.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub short: Option<char>,
    /// Long name without the dashes ("" for a short-only option).
    pub long: &'static str,
    pub takes_value: bool,
}

/// What the command line holds, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// An option (its index in the specs) and its value.
    Opt(usize, Option<String>),
    Operand(String),
}

/// `args` against `specs`; an error is glibc's message (without the program name).
pub fn parse(args: &[String], specs: &[Spec]) -> Result<Vec<Item>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            out.extend(args[i..].iter().cloned().map(Item::Operand));
            break;
        }
        if let Some(body) = a.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let k = long(specs, name, a)?;
            let s = &specs[k];
            let value = match (s.takes_value, inline) {
                (false, Some(_)) => {
                    return Err(format!("option '--{}' doesn't allow an argument", s.long))
                }
                (false, None) => None,
                (true, Some(v)) => Some(v),
                (true, None) => {
                    let v = args
                        .get(i)
                        .ok_or_else(|| format!("option '--{}' requires an argument", s.long))?;
                    i += 1;
                    Some(v.clone())
                }
            };
            out.push(Item::Opt(k, value));
            continue;
        }
        let Some(cluster) = a.strip_prefix('-').filter(|c| !c.is_empty()) else {
            out.push(Item::Operand(a.clone()));
            continue;
        };
        for (pos, ch) in cluster.char_indices() {
            let k = specs
                .iter()
                .position(|s| s.short == Some(ch))
                .ok_or_else(|| format!("invalid option -- '{ch}'"))?;
            if !specs[k].takes_value {
                out.push(Item::Opt(k, None));
                continue;
            }
            let rest = &cluster[pos + ch.len_utf8()..];
            let v = if !rest.is_empty() {
                rest.to_string()
            } else {
                let v = args
                    .get(i)
                    .ok_or_else(|| format!("option requires an argument -- '{ch}'"))?;
                i += 1;
                v.clone()
            };
            out.push(Item::Opt(k, Some(v)));
            break;
        }
    }
    Ok(out)
}

/// The long option `name` names: exactly, or as the only one it is a prefix of.
fn long(specs: &[Spec], name: &str, arg: &str) -> Result<usize, String> {
    if let Some(k) = specs
        .iter()
        .position(|s| !s.long.is_empty() && s.long == name)
    {
        return Ok(k);
    }
    let hits: Vec<usize> = (0..specs.len())
        .filter(|&k| !name.is_empty() && specs[k].long.starts_with(name))
        .collect();
    match hits.as_slice() {
        [k] => Ok(*k),
        [] => Err(format!("unrecognized option '{arg}'")),
        _ => {
            let names: Vec<String> = hits
                .iter()
                .map(|&k| format!("'--{}'", specs[k].long))
                .collect();
            Err(format!(
                "option '{arg}' is ambiguous; possibilities: {}",
                names.join(" ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[Spec] = &[
        Spec {
            short: Some('n'),
            long: "requests",
            takes_value: true,
        },
        Spec {
            short: Some('v'),
            long: "verbose",
            takes_value: false,
        },
        Spec {
            short: None,
            long: "rate-period",
            takes_value: true,
        },
        Spec {
            short: Some('r'),
            long: "rate",
            takes_value: true,
        },
    ];

    fn p(a: &[&str]) -> Result<Vec<Item>, String> {
        parse(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>(), SPECS)
    }

    #[test]
    fn forms_of_values_and_clusters() {
        let v = |s: &str| Some(s.to_string());
        assert_eq!(
            p(&[
                "-vn10",
                "u",
                "--requests=5",
                "--req",
                "6",
                "-n",
                "7",
                "--",
                "-v"
            ])
            .unwrap(),
            vec![
                Item::Opt(1, None),
                Item::Opt(0, v("10")),
                Item::Operand("u".into()),
                Item::Opt(0, v("5")),
                Item::Opt(0, v("6")),
                Item::Opt(0, v("7")),
                Item::Operand("-v".into()),
            ]
        );
        // An exact name wins over being a prefix of another.
        assert_eq!(p(&["--rate", "1"]).unwrap(), vec![Item::Opt(3, v("1"))]);
    }

    #[test]
    fn refusals_in_glibcs_words() {
        assert_eq!(
            p(&["--bogus"]).unwrap_err(),
            "unrecognized option '--bogus'"
        );
        assert_eq!(p(&["-z"]).unwrap_err(), "invalid option -- 'z'");
        assert_eq!(
            p(&["-n"]).unwrap_err(),
            "option requires an argument -- 'n'"
        );
        assert_eq!(
            p(&["--requests"]).unwrap_err(),
            "option '--requests' requires an argument"
        );
        assert_eq!(
            p(&["--verbose=1"]).unwrap_err(),
            "option '--verbose' doesn't allow an argument"
        );
        assert!(p(&["--ra", "1"]).unwrap_err().contains("is ambiguous"));
    }
}
