//! A parser for the proto2 subset Kubernetes' `generated.proto` files use: `syntax`,
//! `package`, `import`, `option`, and flat `message`s of `optional`/`repeated`/`map` fields.
//!
//! Anything else (nested messages, enums, oneofs, field options, groups) is an error naming
//! the line, so a new construct upstream stops the generator instead of being dropped.

use anyhow::{Context, bail};

/// One `generated.proto`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtoFile {
    /// `k8s.io.api.core.v1`.
    pub package: String,
    /// In file order.
    pub messages: Vec<MessageDef>,
}

/// `message Name { ... }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageDef {
    pub name: String,
    /// In declaration order (Go struct order, not number order).
    pub fields: Vec<FieldDef>,
}

/// One field: `optional T name = N;`, `repeated T name = N;` or `map<K, T> name = N;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    pub label: Label,
    /// The (value) type as written: `string`, `Container`, `.k8s.io.apimachinery...Time`.
    pub ty: String,
    pub name: String,
    pub number: u32,
}

/// How a field repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    Optional,
    Repeated,
    /// `map<key, ty>`; the key type as written.
    Map(String),
}

/// A token and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    text: String,
    line: usize,
}

/// Splits `src` into words (identifiers, dotted names, numbers), quoted strings and single
/// punctuation characters, dropping `//` and `/* */` comments.
fn tokenize(src: &str) -> anyhow::Result<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut chars = src.char_indices().peekable();
    let mut line = 1;
    while let Some((start, c)) = chars.next() {
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() => {}
            '/' if chars.peek().map(|&(_, c)| c) == Some('/') => {
                while chars.next_if(|&(_, c)| c != '\n').is_some() {}
            }
            '/' if chars.peek().map(|&(_, c)| c) == Some('*') => {
                let opened = line;
                chars.next();
                let mut last = ' ';
                loop {
                    let Some((_, c)) = chars.next() else {
                        bail!("line {opened}: unterminated /* comment");
                    };
                    if c == '\n' {
                        line += 1;
                    }
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' => {
                let mut end = None;
                for (i, c) in chars.by_ref() {
                    match c {
                        '"' => {
                            end = Some(i);
                            break;
                        }
                        '\n' | '\\' => bail!("line {line}: unsupported string literal"),
                        _ => {}
                    }
                }
                let end = end.with_context(|| format!("line {line}: unterminated string"))?;
                tokens.push(Token {
                    text: src[start..=end].to_owned(),
                    line,
                });
            }
            c if is_word(c) => {
                let mut end = start + c.len_utf8();
                while let Some((i, c)) = chars.next_if(|&(_, c)| is_word(c)) {
                    end = i + c.len_utf8();
                }
                tokens.push(Token {
                    text: src[start..end].to_owned(),
                    line,
                });
            }
            '{' | '}' | '<' | '>' | ',' | '=' | ';' => tokens.push(Token {
                text: c.to_string(),
                line,
            }),
            other => bail!("line {line}: unexpected character {other:?}"),
        }
    }
    Ok(tokens)
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// A cursor over the tokens; every read says what it expected when it fails.
struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(|t| t.text.as_str())
    }

    fn line(&self) -> usize {
        self.tokens
            .get(self.at)
            .or(self.tokens.last())
            .map_or(1, |t| t.line)
    }

    fn next(&mut self, what: &str) -> anyhow::Result<String> {
        let Some(token) = self.tokens.get(self.at) else {
            bail!(
                "line {}: expected {what}, found the end of the file",
                self.line()
            );
        };
        self.at += 1;
        Ok(token.text.clone())
    }

    /// The next token, which must be a word (keywords are words: `optional string string`).
    fn word(&mut self, what: &str) -> anyhow::Result<String> {
        let line = self.line();
        let text = self.next(what)?;
        if !text.starts_with(|c: char| is_word(c)) {
            bail!("line {line}: expected {what}, found {text:?}");
        }
        Ok(text)
    }

    fn expect(&mut self, punct: &str) -> anyhow::Result<()> {
        let line = self.line();
        let text = self.next(&format!("{punct:?}"))?;
        if text != punct {
            bail!("line {line}: expected {punct:?}, found {text:?}");
        }
        Ok(())
    }

    /// `syntax = "proto2";`, `option go_package = "...";`: skipped up to the `;`.
    fn skip_statement(&mut self) -> anyhow::Result<()> {
        while self.next("\";\"")? != ";" {}
        Ok(())
    }

    fn message(&mut self) -> anyhow::Result<MessageDef> {
        let name = self.word("a message name")?;
        self.expect("{")?;
        let mut fields = Vec::new();
        loop {
            let line = self.line();
            let label = match self.next("a field or \"}\"")?.as_str() {
                "}" => break,
                "optional" => Label::Optional,
                "repeated" => Label::Repeated,
                "map" => {
                    self.expect("<")?;
                    let key = self.word("a map key type")?;
                    self.expect(",")?;
                    Label::Map(key)
                }
                other => bail!(
                    "line {line}: {other:?} in message {name} is outside the proto subset \
                     this parser reads (optional, repeated and map fields only)"
                ),
            };
            let ty = self.word("a field type")?;
            if matches!(label, Label::Map(_)) {
                self.expect(">")?;
            }
            let field = self.word("a field name")?;
            self.expect("=")?;
            let number = self.word("a field number")?;
            let number = number
                .parse()
                .with_context(|| format!("line {line}: field number {number:?}"))?;
            self.expect(";")?;
            fields.push(FieldDef {
                label,
                ty,
                name: field,
                number,
            });
        }
        Ok(MessageDef { name, fields })
    }
}

/// Parses one `generated.proto`.
///
/// # Errors
///
/// On anything outside the subset, naming the line.
pub fn parse(src: &str) -> anyhow::Result<ProtoFile> {
    let mut p = Parser {
        tokens: tokenize(src)?,
        at: 0,
    };
    let mut package = None;
    let mut messages = Vec::new();
    while let Some(keyword) = p.peek() {
        let line = p.line();
        match keyword {
            "syntax" | "import" | "option" => p.skip_statement()?,
            "package" => {
                p.at += 1;
                package = Some(p.word("a package name")?);
                p.expect(";")?;
            }
            "message" => {
                p.at += 1;
                messages.push(p.message()?);
            }
            other => bail!("line {line}: {other:?} is outside the proto subset this parser reads"),
        }
    }
    Ok(ProtoFile {
        package: package.context("no package statement")?,
        messages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(label: Label, ty: &str, name: &str, number: u32) -> FieldDef {
        FieldDef {
            label,
            ty: ty.into(),
            name: name.into(),
            number,
        }
    }

    #[test]
    fn keywords_work_as_field_names_and_types_keep_their_package() {
        let src = r#"
/*
Copyright The Kubernetes Authors. "quoted", // not a line comment
*/

// This file was autogenerated by go-to-protobuf. Do not edit it manually!

syntax = "proto2";

package k8s.io.api.core.v1;

import "k8s.io/apimachinery/pkg/api/resource/generated.proto";

// Package-wide variables from generator "generated".
option go_package = "k8s.io/api/core/v1";

// Quantity is fixed-point.
// +protobuf=true
message Quantity {
  optional string string = 1;
}

message LimitRangeItem {
  // Default resource requirement limit value by resource name if resource limit is omitted.
  // +optional
  map<string, .k8s.io.apimachinery.pkg.api.resource.Quantity> default = 4;

  optional string type = 1; // trailing comment
  repeated int64 optional = 2;
  optional NodeSelector required = 3;
}

message Empty {
}
"#;
        let file = parse(src).unwrap();
        assert_eq!(file.package, "k8s.io.api.core.v1");
        let quantity = MessageDef {
            name: "Quantity".into(),
            fields: vec![field(Label::Optional, "string", "string", 1)],
        };
        let item = MessageDef {
            name: "LimitRangeItem".into(),
            fields: vec![
                field(
                    Label::Map("string".into()),
                    ".k8s.io.apimachinery.pkg.api.resource.Quantity",
                    "default",
                    4,
                ),
                field(Label::Optional, "string", "type", 1),
                field(Label::Repeated, "int64", "optional", 2),
                field(Label::Optional, "NodeSelector", "required", 3),
            ],
        };
        let empty = MessageDef {
            name: "Empty".into(),
            fields: vec![],
        };
        assert_eq!(file.messages, vec![quantity, item, empty]);
    }

    #[test]
    fn constructs_outside_the_subset_are_errors_naming_the_line() {
        let nested = "package p;\nmessage A {\n  message B {}\n}\n";
        let error = parse(nested).unwrap_err().to_string();
        assert!(
            error.starts_with("line 3: \"message\" in message A"),
            "{error}"
        );

        let options = "package p;\nmessage A {\n  optional int32 x = 1 [packed = true];\n}\n";
        let error = parse(options).unwrap_err().to_string();
        assert_eq!(error, "line 3: unexpected character '['");

        let error = parse("package p;\nenum E { A = 0; }\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "line 2: \"enum\" is outside the proto subset this parser reads"
        );
    }

    #[test]
    fn truncated_files_and_bad_numbers_are_errors() {
        let error = parse("package p;\nmessage A {\n  optional string a = 1;\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "line 3: expected a field or \"}\", found the end of the file"
        );
        let error = parse("package p; message A { optional string a = x; }")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("line 1: field number \"x\""), "{error}");
        assert!(parse("/* open").is_err());
        assert!(
            parse("message A {}")
                .unwrap_err()
                .to_string()
                .contains("no package")
        );
    }
}
