// A small evaluator for the subset of expr-lang (the language of Kargo's `${{ }}` / `${% %}`
// expressions) that the generated objects use, and for Kargo's template rules around it. Tests
// evaluate generated step configs against a simulated Promotion to see what Kargo would send,
// instead of only matching the expression text.
//
// Supported: string/number/bool/nil literals, map and array literals, identifiers, `.x`,
// `?.x`, `[i]`, calls (of a name, or of a member holding a function, as `response.header(…)`),
// unary `!`, `+ - * / %`, comparisons, `in` (array membership, map keys), `contains` (strings),
// `&&`, `||`, `??`, `?:`,
// parentheses, `let x = …; body`, `find(array, {predicate})` with `#` the element (the only
// builtin taking a predicate here), and the builtins in BUILTINS (string, int, lower, type,
// values, flatten, sort, join). Anything else is a syntax error, so an unexpected
// construct fails the test rather than passing unexamined. `now()` exists only in an env that
// adds `clockEnv(at)`: a Go time.Time whose `.Unix()` is an int64.
//
// Types follow Go where the generated expressions depend on it: JSON numbers in a response
// body are float64 (JS numbers), Go integers (a response's status, what int() returns) are
// BigInts, and string() prints both as expr-lang v1.17.8 builtin/lib.go `String` does
// (fmt's %v: a float64 of a million or more in e-notation, an int in full). Equality and
// comparisons compare the numeric value across the two, as expr-lang does for int and float.
// Integer arithmetic follows Go (expr-lang v1.17.8 vm/runtime `Add`, `Modulo`): an int (a
// BigInt, or an integer literal) plus an int is an int; `%` takes only ints and truncates
// toward zero, as Go's does; `/` is always float division.

type Value = unknown;
export type Env = Record<string, Value>;

interface Token {
  kind: "str" | "num" | "id" | "op" | "eof";
  value: string;
}

const OPERATORS = ["?.", "??", "==", "!=", ">=", "<=", "&&", "||", "(", ")", "[", "]", "{", "}", ",", ":", ".", "+", "-", "*", "/", "%", "#", "<", ">", "!", "?", ";", "="];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let out = "";
      while (j < text.length && text[j] !== c) {
        if (text[j] === "\\") {
          const e = text[j + 1];
          const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', "'": "'", "/": "/", b: "\b", f: "\f" };
          if (e === "u") {
            out += String.fromCharCode(parseInt(text.slice(j + 2, j + 6), 16));
            j += 6;
            continue;
          }
          if (!(e in simple)) throw new SyntaxError(`unknown escape \\${e}`);
          out += simple[e];
          j += 2;
        } else {
          out += text[j++];
        }
      }
      if (j >= text.length) throw new SyntaxError("unterminated string");
      tokens.push({ kind: "str", value: out });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(text.slice(i))!;
      tokens.push({ kind: "num", value: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ kind: "id", value: m[0] });
      i += m[0].length;
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      if (!op) throw new SyntaxError(`unexpected character ${c} in ${text}`);
      tokens.push({ kind: "op", value: op });
      i += op.length;
    }
  }
  tokens.push({ kind: "eof", value: "" });
  return tokens;
}

type Node = (env: Env) => Value;

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parseProgram(): Node {
    const node = this.parseLet();
    this.expect("eof");
    return node;
  }

  private peek(): Token {
    return this.tokens[this.pos];
  }

  private isOp(value: string): boolean {
    const t = this.peek();
    return t.kind === "op" && t.value === value;
  }

  private expect(kind: Token["kind"], value?: string): Token {
    const t = this.tokens[this.pos++];
    if (t.kind !== kind || (value !== undefined && t.value !== value)) throw new SyntaxError(`expected ${value ?? kind}, got ${t.value || t.kind}`);
    return t;
  }

  private parseLet(): Node {
    const t = this.peek();
    if (t.kind === "id" && t.value === "let") {
      this.pos++;
      const name = this.expect("id").value;
      this.expect("op", "=");
      const value = this.parseTernary();
      this.expect("op", ";");
      const body = this.parseLet();
      return (env) => body({ ...env, [name]: value(env) });
    }
    return this.parseTernary();
  }

  private parseTernary(): Node {
    const cond = this.parseCoalesce();
    if (!this.isOp("?")) return cond;
    this.pos++;
    const yes = this.parseTernary();
    this.expect("op", ":");
    const no = this.parseTernary();
    return (env) => (cond(env) ? yes(env) : no(env));
  }

  private parseCoalesce(): Node {
    let left = this.parseOr();
    while (this.isOp("??")) {
      this.pos++;
      const l = left;
      const right = this.parseOr();
      left = (env) => l(env) ?? right(env);
    }
    return left;
  }

  private parseOr(): Node {
    let left = this.parseAnd();
    while (this.isOp("||")) {
      this.pos++;
      const l = left;
      const right = this.parseAnd();
      left = (env) => truthy(l(env)) || truthy(right(env));
    }
    return left;
  }

  private parseAnd(): Node {
    let left = this.parseEquality();
    while (this.isOp("&&")) {
      this.pos++;
      const l = left;
      const right = this.parseEquality();
      left = (env) => truthy(l(env)) && truthy(right(env));
    }
    return left;
  }

  private parseEquality(): Node {
    let left = this.parseComparison();
    while (this.isOp("==") || this.isOp("!=")) {
      const op = this.tokens[this.pos++].value;
      const l = left;
      const right = this.parseComparison();
      left = (env) => (op === "==" ? equal(l(env), right(env)) : !equal(l(env), right(env)));
    }
    return left;
  }

  private parseComparison(): Node {
    let left = this.parseAdditive();
    for (;;) {
      const t = this.peek();
      if (t.kind === "id" && t.value === "contains") {
        this.pos++;
        const l = left;
        const right = this.parseAdditive();
        left = (env) => {
          const a = l(env);
          const b = right(env);
          if (typeof a !== "string" || typeof b !== "string") throw new TypeError("operator contains not defined on non-strings");
          return a.includes(b);
        };
        continue;
      }
      if (t.kind === "id" && t.value === "in") {
        this.pos++;
        const l = left;
        const right = this.parseAdditive();
        left = (env) => {
          const item = l(env);
          const set = right(env);
          if (Array.isArray(set)) return set.some((v) => equal(v, item));
          if (set !== null && typeof set === "object") return typeof item === "string" && item in (set as object);
          throw new TypeError(`operator in not defined on ${JSON.stringify(set)}`);
        };
        continue;
      }
      if (!["<", ">", "<=", ">="].some((o) => this.isOp(o))) return left;
      const op = this.tokens[this.pos++].value;
      const l = left;
      const right = this.parseAdditive();
      left = (env) => {
        const a = numeric(l(env));
        const b = numeric(right(env));
        return op === "<" ? a < b : op === ">" ? a > b : op === "<=" ? a <= b : a >= b;
      };
    }
  }

  private parseAdditive(): Node {
    let left = this.parseMultiplicative();
    while (this.isOp("+") || this.isOp("-")) {
      const op = this.tokens[this.pos++].value;
      const l = left;
      const right = this.parseMultiplicative();
      left = (env) => {
        const a = l(env);
        const b = right(env);
        if (isGoInt(a) && isGoInt(b) && (typeof a === "bigint" || typeof b === "bigint")) {
          return op === "+" ? BigInt(a) + BigInt(b) : BigInt(a) - BigInt(b);
        }
        if (op === "+") {
          if (typeof a === "string" && typeof b === "string") return a + b;
          if (typeof a === "number" && typeof b === "number") return a + b;
          throw new TypeError(`invalid operation: ${typeof a} + ${typeof b}`);
        }
        return (a as number) - (b as number);
      };
    }
    return left;
  }

  private parseMultiplicative(): Node {
    let left = this.parseUnary();
    while (this.isOp("*") || this.isOp("/") || this.isOp("%")) {
      const op = this.tokens[this.pos++].value;
      const l = left;
      const right = this.parseUnary();
      left = (env) => {
        const a = l(env);
        const b = right(env);
        if (op === "%") {
          if (!isGoInt(a) || !isGoInt(b)) throw new TypeError(`invalid operation: % on ${typeof a} and ${typeof b} (ints only)`);
          if (BigInt(b) === 0n) throw new RangeError("integer divide by zero");
          return BigInt(a) % BigInt(b); // BigInt's % truncates toward zero, as Go's does
        }
        return op === "*" ? (a as number) * (b as number) : numeric(a) / numeric(b);
      };
    }
    return left;
  }

  private parseUnary(): Node {
    if (this.isOp("!")) {
      this.pos++;
      const operand = this.parseUnary();
      return (env) => !truthy(operand(env));
    }
    if (this.isOp("-")) {
      this.pos++;
      const operand = this.parseUnary();
      return (env) => -(operand(env) as number);
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePrimary(): Node {
    const t = this.tokens[this.pos++];
    if (t.kind === "str") return () => t.value;
    if (t.kind === "num") return () => Number(t.value);
    if (t.kind === "op" && t.value === "#") return (env) => env["#"];
    if (t.kind === "id") {
      if (t.value === "true") return () => true;
      if (t.value === "false") return () => false;
      if (t.value === "nil") return () => null;
      if (t.value === "find") {
        this.expect("op", "(");
        const array = this.parseTernary();
        this.expect("op", ",");
        this.expect("op", "{");
        const predicate = this.parseLet();
        this.expect("op", "}");
        this.expect("op", ")");
        return (env) => {
          const items = array(env);
          if (!Array.isArray(items)) throw new TypeError(`find on ${typeof items}`);
          return items.find((item) => truthy(predicate({ ...env, "#": item }))) ?? null;
        };
      }
      if (this.isOp("(")) {
        const args = this.parseArguments();
        return (env) => {
          const fn = env[t.value];
          if (typeof fn !== "function") throw new ReferenceError(`unknown function ${t.value}`);
          return (fn as (...a: Value[]) => Value)(...args.map((a) => a(env)));
        };
      }
      return (env) => {
        if (!(t.value in env)) throw new ReferenceError(`unknown name ${t.value}`);
        return env[t.value];
      };
    }
    if (t.kind === "op" && t.value === "(") {
      const inner = this.parseLet();
      this.expect("op", ")");
      return inner;
    }
    if (t.kind === "op" && t.value === "{") {
      const pairs: Array<[string, Node]> = [];
      while (!this.isOp("}")) {
        if (pairs.length > 0) this.expect("op", ",");
        const key = this.tokens[this.pos++];
        if (key.kind !== "str" && key.kind !== "id") throw new SyntaxError(`a map key must be a string or a name, got ${key.value}`);
        this.expect("op", ":");
        pairs.push([key.value, this.parseTernary()]);
      }
      this.expect("op", "}");
      return (env) => Object.fromEntries(pairs.map(([k, v]) => [k, v(env)]));
    }
    if (t.kind === "op" && t.value === "[") {
      const items: Node[] = [];
      while (!this.isOp("]")) {
        if (items.length > 0) this.expect("op", ",");
        items.push(this.parseTernary());
      }
      this.expect("op", "]");
      return (env) => items.map((i) => i(env));
    }
    throw new SyntaxError(`unexpected ${t.value || t.kind}`);
  }

  private parseArguments(): Node[] {
    this.expect("op", "(");
    const args: Node[] = [];
    while (!this.isOp(")")) {
      if (args.length > 0) this.expect("op", ",");
      args.push(this.parseTernary());
    }
    this.expect("op", ")");
    return args;
  }

  private parsePostfix(node: Node): Node {
    for (;;) {
      if (this.isOp(".") || this.isOp("?.")) {
        const optional = this.tokens[this.pos++].value === "?.";
        const name = this.expect("id").value;
        const target = node;
        node = (env) => member(target(env), name, optional);
      } else if (this.isOp("[")) {
        this.pos++;
        const index = this.parseTernary();
        this.expect("op", "]");
        const target = node;
        node = (env) => member(target(env), index(env), false);
      } else if (this.isOp("(")) {
        const args = this.parseArguments();
        const target = node;
        node = (env) => {
          const fn = target(env);
          if (typeof fn !== "function") throw new TypeError("not a function");
          return (fn as (...a: Value[]) => Value)(...args.map((a) => a(env)));
        };
      } else {
        return node;
      }
    }
  }
}

function truthy(v: Value): boolean {
  if (typeof v !== "boolean") throw new TypeError(`expected a bool, got ${JSON.stringify(v)}`);
  return v;
}

function isNumber(v: Value): v is number | bigint {
  return typeof v === "number" || typeof v === "bigint";
}

/** A Go int: a BigInt, or a JS number holding an integer (an integer literal). */
function isGoInt(v: Value): v is number | bigint {
  return typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v));
}

function numeric(v: Value): number {
  if (!isNumber(v)) throw new TypeError(`expected a number, got ${JSON.stringify(v)}`);
  return Number(v);
}

function equal(a: Value, b: Value): boolean {
  if (isNumber(a) && isNumber(b)) return Number(a) === Number(b);
  return (a ?? null) === (b ?? null);
}

/** expr-lang's type(): builtin/lib.go `Type` by Go kind (a body's JSON object is a map, its numbers float). */
function goType(v: Value): string {
  if (v === null || v === undefined) return "nil";
  if (typeof v === "bigint") return "int";
  if (typeof v === "number") return "float";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "array";
  if (typeof v === "function") return "func";
  return "map";
}

/**
 * expr-lang builtins the generated expressions call: string(), int() (to a Go int, a BigInt
 * here), lower(), type(), values() (of a map), flatten() (arrays in arrays), sort() (strings or
 * numbers, ascending) and join() (of strings, as builtin.go `join` asserts each is one).
 */
const BUILTINS = {
  type: goType,
  values: (m: Value) => {
    if (goType(m) !== "map") throw new TypeError(`cannot get values from ${goType(m)}`);
    return Object.values(m as Record<string, Value>);
  },
  flatten: (a: Value) => {
    if (!Array.isArray(a)) throw new TypeError(`cannot flatten ${goType(a)}`);
    const out: Value[] = [];
    const walk = (x: Value[]) => x.forEach((v) => (Array.isArray(v) ? walk(v) : out.push(v)));
    walk(a);
    return out;
  },
  sort: (a: Value) => {
    if (!Array.isArray(a)) throw new TypeError(`cannot sort ${goType(a)}`);
    return [...a].sort((x, y) => (x as string | number) < (y as string | number) ? -1 : (x as string | number) > (y as string | number) ? 1 : 0);
  },
  join: (a: Value, glue: string = "") => {
    if (!Array.isArray(a)) throw new TypeError(`invalid argument for join (type ${goType(a)})`);
    return a.map((v) => {
      if (typeof v !== "string") throw new TypeError("join takes strings");
      return v;
    }).join(glue);
  },
  string: (v: Value) => goString(v),
  lower: (v: string) => v.toLowerCase(),
  int: (v: Value) => {
    if (typeof v === "bigint") return v;
    if (typeof v === "number") return BigInt(Math.trunc(v));
    if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
    throw new TypeError(`invalid argument for int: ${JSON.stringify(v)}`);
  },
};

/**
 * fmt's %v, as expr-lang's string() uses it: an int in full; a float64 like strconv's 'g' with
 * the shortest precision, which switches to e-notation when the exponent is below -4 or at
 * least 6 (Go strconv/ftoa.go: "if precision was the shortest possible, use precision 6"):
 * 204 stays 204, a run id of 17180000000 read as a float becomes 1.718e+10.
 */
export function goString(v: Value): string {
  if (typeof v === "string") return v;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") {
    if (v === 0) return "0";
    const exp = Math.floor(Math.log10(Math.abs(v)));
    if (exp < -4 || exp >= 6) {
      const [mantissa, e] = v.toExponential().split("e");
      const sign = e.startsWith("-") ? "-" : "+";
      const digits = e.replace(/^[+-]/, "").padStart(2, "0");
      return `${mantissa}e${sign}${digits}`;
    }
    return String(v);
  }
  if (v === null || v === undefined) return "<nil>";
  return JSON.stringify(v);
}

function member(target: Value, key: Value, optional: boolean): Value {
  if (target === null || target === undefined) {
    if (optional) return null;
    throw new TypeError(`cannot fetch ${String(key)} from nil`);
  }
  if (Array.isArray(target) && typeof key === "number") return target[key] ?? null;
  if (typeof target === "object") return (target as Record<string, Value>)[String(key)] ?? null;
  throw new TypeError(`cannot fetch ${String(key)} from ${typeof target}`);
}

/** Evaluates one expression (without delimiters). */
export function evaluateExpression(expression: string, env: Env): Value {
  return new Parser(tokenize(expression)).parseProgram()(env);
}

/** quote(): a string becomes its Go %q form; anything else its JSON, in quotes. */
function quote(v: Value): string {
  return typeof v === "string" ? JSON.stringify(v) : `"${JSON.stringify(v)}"`;
}

/**
 * A config value as Kargo evaluates it: every `${{ }}` / `${% %}` replaced (a non-string result
 * by its JSON), then — only when the value held an expression — a result wrapped in quotes
 * loses them and stays a string, and anything else that parses as a number, bool or JSON
 * becomes that.
 */
export function evaluateTemplate(template: string, env: Env): Value {
  if (!template.includes("${{") && !template.includes("${%")) return template;
  const fullEnv: Env = { quote, ...env };
  let out = "";
  let rest = template;
  for (;;) {
    const starts = [rest.indexOf("${{"), rest.indexOf("${%")].filter((i) => i >= 0);
    if (starts.length === 0) break;
    const start = Math.min(...starts);
    const end = rest.startsWith("${{", start) ? "}}" : "%}";
    const close = rest.indexOf(end, start + 3);
    if (close < 0) throw new SyntaxError(`unclosed expression in ${template}`);
    out += rest.slice(0, start);
    const value = evaluateExpression(rest.slice(start + 3, close), fullEnv);
    out += typeof value === "string" ? value : typeof value === "bigint" ? value.toString() : JSON.stringify(value ?? null);
    rest = rest.slice(close + end.length);
  }
  out += rest;
  if (out.length > 1 && out.startsWith('"') && out.endsWith('"')) return out.slice(1, -1);
  if (out.trim() !== "" && !Number.isNaN(Number(out))) return Number(out);
  if (out === "true" || out === "false") return out === "true";
  try {
    return JSON.parse(out);
  } catch {
    return out;
  }
}

/** Every string in a config object evaluated as Kargo does before validating and running a step. */
export function evaluateConfig(config: unknown, env: Env): unknown {
  if (typeof config === "string") return evaluateTemplate(config, env);
  if (Array.isArray(config)) return config.map((c) => evaluateConfig(c, env));
  if (config && typeof config === "object") return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, evaluateConfig(v, env)]));
  return config;
}

export interface SimulatedImage {
  RepoURL: string;
  Tag: string;
  Digest: string;
}

/**
 * A Promotion's expression environment: the Freight collection the Stage would hold after
 * promoting `target` (the target replaces the Freight of its own origin), and Kargo's functions.
 */
export function promotionEnv(opts: {
  stage: string;
  /** Origin (Warehouse) name → the images its Freight carries. */
  collection: Record<string, SimulatedImage[]>;
  /** The Warehouse whose Freight is being promoted. */
  target: string;
  secrets?: Record<string, Record<string, string>>;
  outputs?: Record<string, unknown>;
  /** Origin (Warehouse) name → the commits its Freight carries. */
  commits?: Record<string, Array<{ RepoURL: string; ID: string }>>;
  /** The Stage's status.metadata, as stageMetadata() decodes it (nil when it has none). */
  stageMetadata?: Record<string, unknown> | null;
  /** ctx.meta.promotion.actor: "" for a Promotion the controller auto-created. */
  actor?: string;
  /** The statuses of the steps that ran before, by alias. */
  stepStatus?: Record<string, string>;
  /** Aliases of steps with continueOnError: their failures do not count for failure(). */
  continueOnError?: readonly string[];
}): Env {
  const imageFrom = (repoURL: string, origin?: { name: string }) => {
    const origins = origin ? [origin.name] : Object.keys(opts.collection);
    const found = origins.flatMap((o) => (opts.collection[o] ?? []).filter((i) => i.RepoURL === repoURL));
    if (!origin && found.length > 1) throw new Error(`ambiguous imageFrom(${repoURL})`);
    return found[0] ?? null;
  };
  return {
    ctx: {
      project: "image-factory",
      stage: opts.stage,
      promotion: "promo-1",
      targetFreight: { name: "freight-1", origin: { name: opts.target } },
      meta: { promotion: { actor: opts.actor ?? "", rollback: false } },
    },
    vars: {},
    outputs: opts.outputs ?? {},
    warehouse: (name: string) => ({ kind: "Warehouse", name }),
    imageFrom,
    secret: (name: string) => opts.secrets?.[name] ?? {},
    commitFrom: (repoURL: string, origin?: { name: string }) => {
      const origins = origin ? [origin.name] : Object.keys(opts.commits ?? {});
      return origins.flatMap((o) => (opts.commits?.[o] ?? []).filter((c) => c.RepoURL === repoURL))[0] ?? null;
    },
    stageMetadata: (name: string) => (name === opts.stage ? (opts.stageMetadata ?? null) : null),
    // api/v1alpha1/promotion_types.go `StepExecutionMetadataList.HasFailures`: a Failed or
    // Errored step counts, unless it has continueOnError.
    failure: () => Object.entries(opts.stepStatus ?? {}).some(([alias, status]) => (status === "Failed" || status === "Errored") && !(opts.continueOnError ?? []).includes(alias)),
    success: () => true,
    always: () => true,
    // Kargo's status(alias): the step's status ("Succeeded", "Skipped", "Failed", "Errored"), "" before it ran.
    status: (alias: string) => opts.stepStatus?.[alias] ?? "",
    ...BUILTINS,
  };
}

/**
 * expr-lang's `now()` at a fixed instant (a Date, or Unix seconds): a Go time.Time with
 * `Unix()`, an int64 (a BigInt here). Added to an env so a test names the clock it runs at.
 */
export function clockEnv(at: Date | number): Env {
  const seconds = typeof at === "number" ? at : Math.floor(at.getTime() / 1000);
  return { now: () => ({ Unix: () => BigInt(seconds) }) };
}

/**
 * An http step's response environment as akuity/kargo v1.11.2
 * pkg/promotion/runner/builtin/http_requester.go `buildExprEnv` builds it: the status a Go
 * int64, `headers` the raw map and `header` a case-insensitive `Header.Get`, and the JSON
 * body parsed (numbers float64), or an empty map when there is no body.
 */
export function responseEnv(status: number, body?: unknown, headers: Record<string, string> = {}): Env {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    response: {
      status: BigInt(status),
      header: (name: string) => lower[name.toLowerCase()] ?? "",
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      body: body === undefined ? {} : body,
    },
    ...BUILTINS,
  };
}

/**
 * The outcome of Kargo's http step for one response, in the order v1.11.2 decides it
 * (pkg/promotion/runner/builtin/http_requester.go `run`): the success and then the failure
 * expression are evaluated, an error in either makes the step Errored, a true failure
 * expression wins over a true success expression, and neither true keeps it Running.
 */
export function httpStepOutcome(config: { successExpression?: string; failureExpression?: string }, response: Env): "succeeded" | "failed" | "running" | "errored" {
  let success: Value = false;
  let failure: Value = false;
  try {
    if (config.successExpression) success = evaluateExpression(config.successExpression, response);
    if (config.failureExpression) failure = evaluateExpression(config.failureExpression, response);
  } catch {
    return "errored";
  }
  if (failure === true) return "failed";
  if (success === true) return "succeeded";
  return "running";
}
