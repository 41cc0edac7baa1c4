//! What `hcl-rs`'s formatter does differently from `terraform fmt`, applied after it: the
//! indentation of lines and the alignment of `=`, both computed exactly as hclwrite (the library
//! behind `terraform fmt`) computes them.
//!
//! - Indentation (hclwrite's `formatIndent`): a line that opens more brackets than it closes
//!   indents the following lines by one level (however many it opened); closing brackets dedent.
//!   `hcl-rs` agrees except for lines such as `}, {` between objects of a one-line-opened list.
//! - Alignment (hclwrite's `formatCells`): the `=` of consecutive lines that each hold a whole
//!   single-line assignment (`key = value` whose value opens and closes all its brackets on that
//!   line) are aligned one space after the longest key, indentation included. Any other line — a
//!   block header, a line that opens or closes a bracket, a blank line, a comment — ends the run.
//!   `hcl-rs` does not align at all.
//! - Empty nested blocks: `hcl-rs` writes the body's indentation between the braces
//!   (`features {  }`); `terraform fmt` writes `features {}`.
//! - Object `for` expressions: `hcl-rs` writes `{for k, v in x : k => v}`; hclwrite puts a space
//!   inside every brace that is not empty (`{ for ... }`, and `} }` where two close on one line).
//!
//! Everything else (spacing inside lines, newlines) `hcl-rs` already writes the way `terraform fmt`
//! does, which the tests prove by running the real `terraform fmt -check` over the generated tree.

/// What [`scan`] learns about one line.
struct LineInfo {
    /// Brackets opened minus closed (template interpolations count), as hclwrite counts them.
    net: i32,
    /// Byte offset of the assignment `=`, when the line is a whole single-line assignment.
    assign: Option<usize>,
}

fn scan(line: &str) -> LineInfo {
    #[derive(PartialEq)]
    enum Mode {
        Str,
        Interp(usize),
    }
    let bytes = line.as_bytes();
    let mut stack: Vec<Mode> = Vec::new();
    let mut eq: Option<usize> = None;
    let mut net = 0i32;
    let mut total = 0i32;
    let mut seen_token = false;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let in_str = stack.last() == Some(&Mode::Str);
        if in_str {
            match c {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'$' | b'%' if bytes.get(i + 1) == Some(&c) => i += 1,
                b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') => {
                    stack.push(Mode::Interp(0));
                    total += 1;
                    if eq.is_some() {
                        net += 1;
                    }
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b' ' | b'\t' => {
                i += 1;
                continue;
            }
            b'#' => break,
            b'/' if bytes.get(i + 1) == Some(&b'/') => break,
            b'"' => stack.push(Mode::Str),
            b'{' | b'[' | b'(' => {
                if let Some(Mode::Interp(n)) = stack.last_mut()
                    && c == b'{'
                {
                    *n += 1;
                }
                total += 1;
                if eq.is_some() {
                    net += 1;
                }
            }
            b'}' | b']' | b')' => {
                if c == b'}' {
                    match stack.last_mut() {
                        Some(Mode::Interp(0)) => {
                            stack.pop();
                        }
                        Some(Mode::Interp(n)) => *n -= 1,
                        _ => {}
                    }
                }
                total -= 1;
                if eq.is_some() {
                    net -= 1;
                }
            }
            b'=' if stack.is_empty() && eq.is_none() => {
                let prev = if i > 0 { bytes[i - 1] } else { b' ' };
                let next = bytes.get(i + 1).copied().unwrap_or(b' ');
                if matches!(next, b'=' | b'>') {
                    i += 2;
                    seen_token = true;
                    continue;
                }
                if !matches!(prev, b'=' | b'!' | b'<' | b'>') && seen_token {
                    eq = Some(i);
                }
            }
            _ => {}
        }
        seen_token = true;
        i += 1;
    }
    LineInfo {
        net: total,
        assign: eq.filter(|_| net == 0),
    }
}

fn assignment_eq(line: &str) -> Option<usize> {
    scan(line).assign
}

/// Re-indents lines by bracket depth, as hclwrite's `formatIndent` does.
pub fn indent(text: &str) -> String {
    let mut indents: Vec<i32> = Vec::new();
    let mut out = Vec::new();
    for line in text.split('\n') {
        let body = line.trim_start_matches([' ', '\t']);
        if body.is_empty() {
            out.push(String::new());
            continue;
        }
        let net = scan(body).net;
        if net < 0 {
            let mut closed = -net;
            while closed > 0 {
                let Some(top) = indents.last_mut() else { break };
                if closed >= *top {
                    closed -= *top;
                    indents.pop();
                } else {
                    *top -= closed;
                    closed = 0;
                }
            }
        }
        out.push(format!("{}{body}", " ".repeat(2 * indents.len())));
        if net > 0 {
            indents.push(net);
        }
    }
    out.join("\n")
}

/// Closes empty blocks written as `name {  }` into `name {}`.
fn empty_blocks(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            let trimmed = line.trim_end();
            match trimmed.strip_suffix('}').map(str::trim_end) {
                Some(head) if head.ends_with('{') && head.len() + 1 < trimmed.len() => {
                    format!("{head}}}")
                }
                _ => line.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What an opening character on the line opened (strings nest inside interpolations).
#[derive(PartialEq)]
enum Open {
    Str,
    Interp,
    Brace,
}

/// Spaces inside non-empty braces that `hcl-rs` writes tight (`{for`, `}}`), as hclwrite spaces
/// them. Braces of template interpolations (`${...}`, `%{...}`) and everything inside strings stay.
fn brace_spaces(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            let chars: Vec<char> = line.chars().collect();
            let mut out = String::with_capacity(line.len() + 4);
            let mut stack: Vec<Open> = Vec::new();
            let mut i = 0;
            while i < chars.len() {
                let c = chars[i];
                let in_str = stack.last() == Some(&Open::Str);
                if in_str {
                    out.push(c);
                    match c {
                        '\\' => {
                            if let Some(n) = chars.get(i + 1) {
                                out.push(*n);
                                i += 1;
                            }
                        }
                        '"' => {
                            stack.pop();
                        }
                        '$' | '%' if chars.get(i + 1) == Some(&c) => {
                            out.push(c);
                            i += 1;
                        }
                        '$' | '%' if chars.get(i + 1) == Some(&'{') => {
                            out.push('{');
                            stack.push(Open::Interp);
                            i += 1;
                        }
                        _ => {}
                    }
                    i += 1;
                    continue;
                }
                match c {
                    '#' => {
                        out.extend(&chars[i..]);
                        break;
                    }
                    '"' => {
                        stack.push(Open::Str);
                        out.push(c);
                    }
                    '{' => {
                        stack.push(Open::Brace);
                        out.push(c);
                        if chars.get(i + 1).is_some_and(|n| !matches!(n, ' ' | '}')) {
                            out.push(' ');
                        }
                    }
                    '}' => {
                        let closes = stack.pop();
                        let lead = out.trim_start().is_empty();
                        if closes != Some(Open::Interp)
                            && !lead
                            && !out.ends_with(' ')
                            && !out.ends_with('{')
                        {
                            out.push(' ');
                        }
                        out.push(c);
                    }
                    _ => out.push(c),
                }
                i += 1;
            }
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `terraform fmt`'s layout of `hcl-rs` output: brace spacing, empty blocks, [`indent`], then
/// [`align`].
pub fn layout(text: &str) -> String {
    align(&indent(&empty_blocks(&brace_spaces(text))))
}

/// Aligns the `=` of runs of single-line assignments, as `terraform fmt` does.
pub fn align(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut run: Vec<(usize, String, String)> = Vec::new(); // (lead columns, lead, rest after '=')

    fn flush(run: &mut Vec<(usize, String, String)>, out: &mut Vec<String>) {
        let width = run.iter().map(|(w, _, _)| *w).max().unwrap_or(0);
        for (w, lead, rest) in run.drain(..) {
            out.push(format!("{lead}{}={rest}", " ".repeat(width - w + 1)));
        }
    }

    for line in lines {
        match assignment_eq(line) {
            Some(pos) => {
                let lead = line[..pos].trim_end().to_string();
                let rest = line[pos + 1..].to_string();
                run.push((lead.chars().count(), lead, rest));
            }
            None => {
                flush(&mut run, &mut out);
                out.push(line.to_string());
            }
        }
    }
    flush(&mut run, &mut out);
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_runs_of_single_line_assignments() {
        let input = "resource \"a\" \"b\" {\n  name = \"x\"\n  cidr_block = \"10.0.0.0/16\"\n\n  tags = {\n    Name = \"x\"\n    \"kubernetes.io/role/elb\" = \"1\"\n  }\n  x = 1\n}\n";
        let want = "resource \"a\" \"b\" {\n  name       = \"x\"\n  cidr_block = \"10.0.0.0/16\"\n\n  tags = {\n    Name                     = \"x\"\n    \"kubernetes.io/role/elb\" = \"1\"\n  }\n  x = 1\n}\n";
        assert_eq!(align(input), want);
    }

    #[test]
    fn multi_line_values_break_runs() {
        let input = "  a = 1\n  long_name = [\n    1,\n  ]\n  bb = 2\n  c = f(\"=\", \"${x == 1 ? \"a\" : \"b\"}\")\n";
        let want = "  a = 1\n  long_name = [\n    1,\n  ]\n  bb = 2\n  c  = f(\"=\", \"${x == 1 ? \"a\" : \"b\"}\")\n";
        assert_eq!(align(input), want);
    }

    #[test]
    fn lines_between_objects_indent_like_terraform_fmt() {
        let input = "x = [{\n  a = 1\n}, {\n  b = 2\n}]\n";
        let want = "x = [{\n  a = 1\n  }, {\n  b = 2\n}]\n";
        assert_eq!(indent(input), want);
    }

    #[test]
    fn empty_nested_blocks_close_tightly() {
        assert_eq!(
            layout("provider \"x\" {\n  features {  }\n}\n"),
            "provider \"x\" {\n  features {}\n}\n"
        );
        assert_eq!(layout("a = \"{  }\"\n"), "a = \"{  }\"\n");
    }

    #[test]
    fn object_for_expressions_get_spaces_inside_their_braces() {
        assert_eq!(
            brace_spaces("x = {for k, v in m : k => \"${v}-{x}\"}"),
            "x = { for k, v in m : k => \"${v}-{x}\" }"
        );
        assert_eq!(brace_spaces("  }}"), "  } }");
        assert_eq!(brace_spaces("a = {}"), "a = {}");
        assert_eq!(brace_spaces("a = { b = 1 }"), "a = { b = 1 }");
        assert_eq!(
            brace_spaces("a = \"%{if x}y%{endif}\""),
            "a = \"%{if x}y%{endif}\""
        );
        assert_eq!(brace_spaces("# {comment}"), "# {comment}");
    }

    #[test]
    fn operators_are_not_assignments() {
        assert_eq!(assignment_eq("  x == y"), None);
        assert_eq!(assignment_eq("  for k, v in x : k => v"), None);
        assert_eq!(assignment_eq("  condition = var.a >= 1"), Some(12));
        assert_eq!(assignment_eq("  #checkov:skip=CKV_AWS_1:why"), None);
        assert_eq!(assignment_eq("  tags = { a = \"}\" }"), Some(7));
    }
}
