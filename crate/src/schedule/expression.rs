//! The `lr_lambda` expression language of the command line and of JSON specs: a JavaScript expression of `epoch`
//! (numbers, `epoch`, `+ - * / % **`, comparisons, `! && ||`, `a ? b : c`, parentheses, `Math.pow` and a few more
//! `Math` functions), parsed by recursive descent — never `eval`, which a strict CSP forbids and which would run
//! anything. Values are f64 throughout, with JavaScript's semantics: a comparison gives 1 or 0 (`true * 2` is 2),
//! `%` keeps the dividend's sign, `&&`/`||` return an operand, 0 and NaN are false.
use std::fmt;

/// A parsed expression, evaluated without allocating.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    root: Node,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Number(f64),
    Epoch,
    Unary(Unary, Box<Node>),
    Binary(Binary, Box<Node>, Box<Node>),
    Conditional(Box<Node>, Box<Node>, Box<Node>),
    Call(Function, Vec<Node>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unary {
    Negate,
    Plus,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Binary {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    Power,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Equal,
    NotEqual,
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Function {
    Pow,
    Min,
    Max,
    Exp,
    Log,
    Sqrt,
    Cos,
    Sin,
    Abs,
    Floor,
    Ceil,
    Round,
}

/// `Math.NAME` functions and how many arguments each takes (`None`: any number, as Math.min and Math.max).
const FUNCTIONS: &[(&str, Function, Option<usize>)] = &[
    ("pow", Function::Pow, Some(2)),
    ("min", Function::Min, None),
    ("max", Function::Max, None),
    ("exp", Function::Exp, Some(1)),
    ("log", Function::Log, Some(1)),
    ("sqrt", Function::Sqrt, Some(1)),
    ("cos", Function::Cos, Some(1)),
    ("sin", Function::Sin, Some(1)),
    ("abs", Function::Abs, Some(1)),
    ("floor", Function::Floor, Some(1)),
    ("ceil", Function::Ceil, Some(1)),
    ("round", Function::Round, Some(1)),
];

const CONSTANTS: &[(&str, f64)] = &[("PI", std::f64::consts::PI), ("E", std::f64::consts::E)];

/// Why an expression was refused, with the 1-based column it points at.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpressionError {
    pub message: String,
    pub column: usize,
    pub source: String,
}

impl fmt::Display for ExpressionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at column {} of \"{}\"", self.message, self.column, self.source)
    }
}

impl Expression {
    /// Parses `source`, e.g. `epoch < 5 ? (epoch + 1) / 5 : Math.pow(0.95, epoch - 5)`.
    pub fn parse(source: &str) -> Result<Expression, ExpressionError> {
        let mut parser = Parser { source, tokens: tokenize(source)?, next: 0 };
        let root = parser.conditional()?;
        match parser.peek() {
            Token::End => Ok(Expression { root }),
            token => Err(parser.error_at(parser.next, format!("unexpected {}", token.describe()))),
        }
    }

    /// The value at `epoch`.
    pub fn evaluate(&self, epoch: f64) -> f64 {
        self.root.evaluate(epoch)
    }
}

fn truthy(value: f64) -> bool {
    value != 0.0 && !value.is_nan()
}

fn flag(condition: bool) -> f64 {
    if condition {
        1.0
    } else {
        0.0
    }
}

/// JavaScript's Math.pow, which differs from C's pow in one place: 1 to an infinite power is NaN.
fn js_pow(base: f64, exponent: f64) -> f64 {
    if base.abs() == 1.0 && exponent.is_infinite() {
        f64::NAN
    } else {
        base.powf(exponent)
    }
}

/// JavaScript's Math.round: halves round up (towards +∞), unlike Rust's `round`.
fn js_round(value: f64) -> f64 {
    let floor = value.floor();
    if value - floor >= 0.5 {
        floor + 1.0
    } else {
        floor
    }
}

impl Node {
    fn evaluate(&self, epoch: f64) -> f64 {
        match self {
            Node::Number(value) => *value,
            Node::Epoch => epoch,
            Node::Unary(op, operand) => {
                let value = operand.evaluate(epoch);
                match op {
                    Unary::Negate => -value,
                    Unary::Plus => value,
                    Unary::Not => flag(!truthy(value)),
                }
            }
            Node::Binary(Binary::And, left, right) => {
                let value = left.evaluate(epoch);
                if truthy(value) {
                    right.evaluate(epoch)
                } else {
                    value
                }
            }
            Node::Binary(Binary::Or, left, right) => {
                let value = left.evaluate(epoch);
                if truthy(value) {
                    value
                } else {
                    right.evaluate(epoch)
                }
            }
            Node::Binary(op, left, right) => {
                let (a, b) = (left.evaluate(epoch), right.evaluate(epoch));
                match op {
                    Binary::Add => a + b,
                    Binary::Subtract => a - b,
                    Binary::Multiply => a * b,
                    Binary::Divide => a / b,
                    Binary::Remainder => a % b,
                    Binary::Power => js_pow(a, b),
                    Binary::Less => flag(a < b),
                    Binary::LessEqual => flag(a <= b),
                    Binary::Greater => flag(a > b),
                    Binary::GreaterEqual => flag(a >= b),
                    Binary::Equal => flag(a == b),
                    Binary::NotEqual => flag(a != b),
                    Binary::And | Binary::Or => unreachable!("short-circuit operators are matched above"),
                }
            }
            Node::Conditional(test, then, otherwise) => {
                if truthy(test.evaluate(epoch)) {
                    then.evaluate(epoch)
                } else {
                    otherwise.evaluate(epoch)
                }
            }
            Node::Call(function, arguments) => {
                let argument = |index: usize| arguments[index].evaluate(epoch);
                match function {
                    Function::Pow => js_pow(argument(0), argument(1)),
                    // JavaScript: Math.min() is +∞, Math.max() is −∞, and a NaN argument gives NaN.
                    Function::Min => arguments.iter().fold(f64::INFINITY, |least, node| {
                        let value = node.evaluate(epoch);
                        if least.is_nan() || value.is_nan() {
                            f64::NAN
                        } else {
                            least.min(value)
                        }
                    }),
                    Function::Max => arguments.iter().fold(f64::NEG_INFINITY, |most, node| {
                        let value = node.evaluate(epoch);
                        if most.is_nan() || value.is_nan() {
                            f64::NAN
                        } else {
                            most.max(value)
                        }
                    }),
                    Function::Exp => argument(0).exp(),
                    Function::Log => argument(0).ln(),
                    Function::Sqrt => argument(0).sqrt(),
                    Function::Cos => argument(0).cos(),
                    Function::Sin => argument(0).sin(),
                    Function::Abs => argument(0).abs(),
                    Function::Floor => argument(0).floor(),
                    Function::Ceil => argument(0).ceil(),
                    Function::Round => js_round(argument(0)),
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Name(String),
    Symbol(&'static str),
    End,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Number(value) => format!("number {value}"),
            Token::Name(name) => format!("'{name}'"),
            Token::Symbol(symbol) => format!("'{symbol}'"),
            Token::End => "end of expression".into(),
        }
    }
}

/// Longest first, so that `<=` is not read as `<` then `=`.
const SYMBOLS: &[&str] = &[
    "===", "!==", "**", "<=", ">=", "==", "!=", "&&", "||", "+", "-", "*", "/", "%", "<", ">", "!", "?", ":", "(", ")",
    ",", ".",
];

/// Tokens with the byte offset each starts at.
fn tokenize(source: &str) -> Result<Vec<(Token, usize)>, ExpressionError> {
    let bytes = source.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if byte.is_ascii_whitespace() {
            at += 1;
        } else if byte.is_ascii_digit() || (byte == b'.' && bytes.get(at + 1).is_some_and(u8::is_ascii_digit)) {
            let start = at;
            while at < bytes.len() && (bytes[at].is_ascii_digit() || bytes[at] == b'.') {
                at += 1;
            }
            if at < bytes.len() && (bytes[at] == b'e' || bytes[at] == b'E') {
                at += 1;
                if at < bytes.len() && (bytes[at] == b'+' || bytes[at] == b'-') {
                    at += 1;
                }
                while at < bytes.len() && bytes[at].is_ascii_digit() {
                    at += 1;
                }
            }
            let text = &source[start..at];
            let value = text.parse::<f64>().map_err(|_| ExpressionError {
                message: format!("'{text}' is not a number"),
                column: column(source, start),
                source: source.to_string(),
            })?;
            tokens.push((Token::Number(value), start));
        } else if byte.is_ascii_alphabetic() || byte == b'_' || byte == b'$' {
            let start = at;
            while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_' || bytes[at] == b'$') {
                at += 1;
            }
            tokens.push((Token::Name(source[start..at].to_string()), start));
        } else if let Some(symbol) = SYMBOLS.iter().find(|symbol| source[at..].starts_with(*symbol)) {
            tokens.push((Token::Symbol(symbol), at));
            at += symbol.len();
        } else {
            let character = source[at..].chars().next().expect("at is inside the source");
            return Err(ExpressionError {
                message: format!("unexpected character '{character}'"),
                column: column(source, at),
                source: source.to_string(),
            });
        }
    }
    tokens.push((Token::End, source.len()));
    Ok(tokens)
}

/// 1-based column, in characters, of a byte offset.
fn column(source: &str, offset: usize) -> usize {
    source[..offset].chars().count() + 1
}

struct Parser<'a> {
    source: &'a str,
    tokens: Vec<(Token, usize)>,
    next: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.tokens[self.next].0
    }

    fn error_at(&self, token: usize, message: String) -> ExpressionError {
        ExpressionError { message, column: column(self.source, self.tokens[token].1), source: self.source.to_string() }
    }

    fn at_symbol(&self, symbol: &str) -> bool {
        matches!(self.peek(), Token::Symbol(found) if *found == symbol)
    }

    fn eat(&mut self, symbol: &str) -> bool {
        if self.at_symbol(symbol) {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, symbol: &str, context: &str) -> Result<(), ExpressionError> {
        if self.eat(symbol) {
            Ok(())
        } else {
            Err(self.error_at(self.next, format!("expected '{symbol}' {context}, found {}", self.peek().describe())))
        }
    }

    /// `test ? then : otherwise` (right-associative), or a logical-or expression.
    fn conditional(&mut self) -> Result<Node, ExpressionError> {
        let test = self.binary(0)?;
        if !self.eat("?") {
            return Ok(test);
        }
        let then = self.conditional()?;
        self.expect(":", "after the '?' branch of a conditional")?;
        let otherwise = self.conditional()?;
        Ok(Node::Conditional(Box::new(test), Box::new(then), Box::new(otherwise)))
    }

    /// Left-associative binary operators by JavaScript's precedence levels, lowest first.
    fn binary(&mut self, level: usize) -> Result<Node, ExpressionError> {
        const LEVELS: &[&[(&str, Binary)]] = &[
            &[("||", Binary::Or)],
            &[("&&", Binary::And)],
            &[("===", Binary::Equal), ("!==", Binary::NotEqual), ("==", Binary::Equal), ("!=", Binary::NotEqual)],
            &[("<=", Binary::LessEqual), (">=", Binary::GreaterEqual), ("<", Binary::Less), (">", Binary::Greater)],
            &[("+", Binary::Add), ("-", Binary::Subtract)],
            &[("*", Binary::Multiply), ("/", Binary::Divide), ("%", Binary::Remainder)],
        ];
        let Some(operators) = LEVELS.get(level) else {
            return self.unary();
        };
        let mut left = self.binary(level + 1)?;
        while let Some(&(_, op)) = operators.iter().find(|(symbol, _)| self.at_symbol(symbol)) {
            self.next += 1;
            let right = self.binary(level + 1)?;
            left = Node::Binary(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Node, ExpressionError> {
        let start = self.next;
        let op = match self.peek() {
            Token::Symbol("-") => Unary::Negate,
            Token::Symbol("+") => Unary::Plus,
            Token::Symbol("!") => Unary::Not,
            _ => return self.power(),
        };
        self.next += 1;
        // The operand stops before `**`: JavaScript refuses `-2 ** 2` as ambiguous.
        let operand =
            if ["-", "+", "!"].iter().any(|symbol| self.at_symbol(symbol)) { self.unary()? } else { self.primary()? };
        if self.at_symbol("**") {
            return Err(self.error_at(
                start,
                "a unary operator before '**' needs parentheses, e.g. (-2) ** 2 or -(2 ** 2)".into(),
            ));
        }
        Ok(Node::Unary(op, Box::new(operand)))
    }

    /// `base ** exponent`, right-associative; the exponent may carry a sign (`2 ** -1`).
    fn power(&mut self) -> Result<Node, ExpressionError> {
        let base = self.primary()?;
        if !self.eat("**") {
            return Ok(base);
        }
        let exponent = self.unary()?;
        Ok(Node::Binary(Binary::Power, Box::new(base), Box::new(exponent)))
    }

    fn primary(&mut self) -> Result<Node, ExpressionError> {
        let at = self.next;
        match self.peek().clone() {
            Token::Number(value) => {
                self.next += 1;
                Ok(Node::Number(value))
            }
            Token::Symbol("(") => {
                self.next += 1;
                let inner = self.conditional()?;
                self.expect(")", "to close the '('")?;
                Ok(inner)
            }
            Token::Name(name) if name == "epoch" => {
                self.next += 1;
                Ok(Node::Epoch)
            }
            Token::Name(name) if name == "Math" => {
                self.next += 1;
                self.expect(".", "after Math")?;
                let member_at = self.next;
                let Token::Name(member) = self.peek().clone() else {
                    return Err(self.error_at(member_at, "expected a name after 'Math.'".into()));
                };
                self.next += 1;
                if let Some((_, value)) = CONSTANTS.iter().find(|(constant, _)| *constant == member) {
                    return Ok(Node::Number(*value));
                }
                let Some(&(_, function, arity)) = FUNCTIONS.iter().find(|(known, _, _)| *known == member) else {
                    return Err(self.error_at(member_at, format!("unknown Math.{member}; {}", known_names())));
                };
                self.expect("(", &format!("to call Math.{member}"))?;
                let mut arguments = Vec::new();
                if !self.eat(")") {
                    loop {
                        arguments.push(self.conditional()?);
                        if self.eat(")") {
                            break;
                        }
                        self.expect(",", &format!("or ')' in the arguments of Math.{member}"))?;
                    }
                }
                if let Some(expected) = arity.filter(|&expected| expected != arguments.len()) {
                    return Err(self.error_at(
                        member_at,
                        format!("Math.{member} takes {expected} argument(s), got {}", arguments.len()),
                    ));
                }
                Ok(Node::Call(function, arguments))
            }
            Token::Name(name) => Err(self.error_at(at, format!("unknown name '{name}'; {}", known_names()))),
            Token::End => Err(self.error_at(at, "the expression ends where a value was expected".into())),
            token => Err(self.error_at(at, format!("unexpected {} where a value was expected", token.describe()))),
        }
    }
}

fn known_names() -> String {
    let functions: Vec<String> = FUNCTIONS.iter().map(|(name, _, _)| format!("Math.{name}")).collect();
    format!("the variable is epoch; functions: {}; constants: Math.PI, Math.E", functions.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn at(source: &str, epoch: f64) -> f64 {
        Expression::parse(source).unwrap().evaluate(epoch)
    }

    #[test]
    fn follows_javascript_precedence_and_semantics() {
        assert_eq!(at("1 + 2 * 3", 0.0), 7.0);
        assert_eq!(at("(1 + 2) * 3", 0.0), 9.0);
        assert_eq!(at("2 ** 3 ** 2", 0.0), 512.0); // right-associative
        assert_eq!(at("2 ** -1", 0.0), 0.5);
        assert_eq!(at("-7 % 3", 0.0), -1.0); // the dividend's sign, as JavaScript (Python gives 2)
        assert_eq!(at("10 - 4 - 3", 0.0), 3.0);
        assert_eq!(at("epoch < 5 ? (epoch + 1) / 5 : Math.pow(0.5, epoch - 5)", 2.0), 0.6);
        assert_eq!(at("epoch < 5 ? (epoch + 1) / 5 : Math.pow(0.5, epoch - 5)", 7.0), 0.25);
        assert_eq!(at("epoch >= 3 ? 1 : epoch == 2 ? 0.5 : 0.1", 2.0), 0.5); // nested conditional
        assert_eq!(at("(epoch > 1) * 2", 3.0), 2.0); // true * 2
        assert_eq!(at("0 || 5", 0.0), 5.0);
        assert_eq!(at("3 && 4", 0.0), 4.0);
        assert_eq!(at("!epoch", 0.0), 1.0);
        assert_eq!(at("Math.min(1, epoch / 10)", 4.0), 0.4);
        assert_eq!(at("Math.max()", 0.0), f64::NEG_INFINITY);
        assert_eq!(at("Math.round(-2.5)", 0.0), -2.0);
        assert_eq!(at("1e-3 * .5e1", 0.0), 0.005);
        assert_eq!(at("0.5 * (1 + Math.cos(Math.PI * epoch / 10))", 10.0), 0.0);
        assert!(at("Math.pow(1, 1 / 0)", 0.0).is_nan());
    }

    #[test]
    fn refusals_name_the_column() {
        let error = |source: &str| Expression::parse(source).unwrap_err().to_string();
        assert_eq!(error("1 / (1 + 0.1 * epoch))"), "unexpected ')' at column 22 of \"1 / (1 + 0.1 * epoch))\"");
        assert_eq!(
            error("1 / (1 + epoch"),
            "expected ')' to close the '(', found end of expression at column 15 of \"1 / (1 + epoch\""
        );
        assert_eq!(error("x * 2").split(';').next().unwrap(), "unknown name 'x'");
        assert!(error("x * 2").ends_with("at column 1 of \"x * 2\""));
        assert_eq!(
            error("epoch ? 1"),
            "expected ':' after the '?' branch of a conditional, found end of expression at column 10 of \"epoch ? 1\""
        );
        assert_eq!(error("Math.pow(2)"), "Math.pow takes 2 argument(s), got 1 at column 6 of \"Math.pow(2)\"");
        assert_eq!(error("2 # 3"), "unexpected character '#' at column 3 of \"2 # 3\"");
        assert_eq!(
            error("-2 ** 2"),
            "a unary operator before '**' needs parentheses, e.g. (-2) ** 2 or -(2 ** 2) at column 1 of \"-2 ** 2\""
        );
        assert_eq!(error(""), "the expression ends where a value was expected at column 1 of \"\"");
        assert_eq!(error("1.2.3"), "'1.2.3' is not a number at column 1 of \"1.2.3\"");
    }
}
