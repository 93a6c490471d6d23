/**
 * Tree-sitter grammar for Détente policies (*.detente), for Neovim, Helix
 * and Zed. It follows grammar/detente.pest, the language's own grammar:
 * every syntax change updates both (and the TextMate grammar in
 * editors/vscode), checked by the same fixtures.
 */

const PREC = {
  or: 1,
  and: 2,
  not: 3,
  compare: 4,
  add: 5,
  mul: 6,
  unary: 7,
  member: 8,
};

const commaSep1 = (rule) => seq(rule, repeat(seq(",", rule)));

// After `.` any word is a field name, keywords included (`group.in`): the
// name is lexed as an identifier, which no keyword may replace there.
const fieldName = ($) => alias($.identifier, $.field_name);

module.exports = grammar({
  name: "detente",

  extras: ($) => [/\s/, $.comment],

  word: ($) => $.identifier,

  conflicts: ($) => [
    [$.field_arg, $._primary],
  ],

  rules: {
    source_file: ($) => repeat($._item),

    _item: ($) =>
      choice(
        $.policy_block,
        $.schema,
        $.event,
        $.touchpoint,
        $.score,
        $.criteria,
        $.buying_group,
        $.lifecycle,
        $.sla,
        $.metric,
        $.incentive,
      ),

    comment: (_) => token(seq("#", /.*/)),

    // ------------------------------------------------------------ settings
    policy_block: ($) => seq("policy", $.string, "{", repeat($._setting), "}"),
    _setting: ($) =>
      choice(
        seq("version", $.quantity),
        seq("effective", $.string),
        seq("timezone", $.string),
        seq("currency", $.string),
        $.teams,
        seq("business_hours", commaSep1($.hours_span)),
        seq("holidays", commaSep1($.string)),
        seq("fiscal_year_starts", $.identifier),
      ),
    teams: ($) => seq("teams", commaSep1($.identifier)),
    hours_span: ($) =>
      seq($.identifier, optional(seq("-", $.identifier)), $.clock, "-", $.clock),
    clock: (_) => /\d{1,2}:\d\d/,

    // ------------------------------------------------------------ schemas
    schema: ($) =>
      seq(
        field("entity", choice("contact", "account", "deal")),
        "{",
        repeat(choice(seq($.field_decl, optional(",")), $.roles)),
        "}",
      ),
    roles: ($) => seq("roles", commaSep1($.identifier)),
    event: ($) =>
      seq("event", field("name", $.identifier), "{", repeat(seq($.field_decl, optional(","))), "}"),
    field_decl: ($) =>
      seq(
        field("name", fieldName($)),
        ":",
        field("type", choice($.enum_type, $.identifier)),
        optional("?"),
        optional(seq("=", $._literal)),
      ),
    enum_type: ($) => seq($.string, repeat(seq("|", $.string))),

    touchpoint: ($) =>
      seq("touchpoint", field("name", $.identifier), "=", $.pattern, "by", $.identifier),
    pattern: ($) => seq($.identifier, optional(seq("where", $._expr))),

    // ------------------------------------------------------------ scores
    score: ($) =>
      seq(
        "score",
        field("name", $.identifier),
        optional($.string),
        optional(seq("for", "account")),
        "{",
        repeat($._score_stmt),
        "}",
      ),
    _score_stmt: ($) => choice($.owner, $.decay, $.range, $.each_rule, $.condition_rule),
    owner: ($) => seq("owner", $.identifier),
    decay: ($) => seq("decay", "half_life", $._duration),
    range: ($) => seq("range", $.signed_number, "..", $.signed_number),
    each_rule: ($) =>
      seq("each", $.pattern, "=>", $.signed_number, optional(seq("max", $.quantity))),
    condition_rule: ($) => seq($._expr, "=>", $.signed_number),

    // ------------------------------------------------------------ criteria
    criteria: ($) =>
      seq(
        "criteria",
        field("name", $.identifier),
        optional($.string),
        optional(seq("for", "deal")),
        "{",
        repeat(choice($.owner, $.require, $.clause)),
        "}",
      ),
    clause: ($) => seq(field("label", $.identifier), ":", $._expr),
    require: ($) =>
      seq("require", choice(seq($.quantity, "of", $.quantity), "all", "any", $._expr)),

    // ------------------------------------------------------------ buying group
    buying_group: ($) =>
      seq(
        "buying_group",
        "{",
        repeat(
          choice(
            seq("role", field("name", $.identifier), "=", $._expr),
            seq("engaged", "=", $._expr),
            seq("qualified", "=", $._expr),
          ),
        ),
        "}",
      ),

    // ------------------------------------------------------------ lifecycles
    lifecycle: ($) =>
      seq("lifecycle", field("entity", $.identifier), "{", repeat(choice($.stage, $.transition)), "}"),
    stage: ($) =>
      seq(
        "stage",
        field("name", $.identifier),
        repeat(choice("initial", "final", "detour", $.owner, $.string)),
      ),
    transition: ($) =>
      seq(
        field("from", choice("any", $.identifier)),
        "->",
        field("to", $.identifier),
        choice(
          seq("on", $.pattern),
          seq("when", $._expr),
          seq("after", $._duration, optional(seq("unless", $._expr))),
        ),
        optional(seq("as", $.string)),
      ),

    // ------------------------------------------------------------ SLAs
    sla: ($) =>
      seq(
        "sla",
        field("name", $.identifier),
        optional($.string),
        "{",
        repeat(
          choice(
            $.owner,
            seq("assignee", $.dimension),
            seq(
              choice("starts", "met", "cancelled"),
              $.sla_trigger,
              repeat(seq(alias($._or_on, "or"), $._trigger)),
            ),
            seq("within", $._duration),
          ),
        ),
        "}",
      ),
    sla_trigger: ($) => seq("on", $._trigger_body),
    _trigger: ($) => alias($._trigger_body, $.sla_trigger),
    _trigger_body: ($) =>
      choice(seq("entering", $.stage_ref), seq("leaving", $.stage_ref), $.pattern),
    // `met on call where x == 1 or on entering won`: `or on` joins
    // triggers, read as one token so that the `or` is not taken into the
    // condition before it (the pest grammar backtracks; this one cannot).
    _or_on: (_) => token(prec(2, /or[ \t\r\n]+on/)),

    // ------------------------------------------------------------ metrics and incentives
    metric: ($) =>
      seq(
        "metric",
        field("name", $.identifier),
        optional($.string),
        optional(seq("by", $.dimension)),
        "=",
        $._expr,
      ),
    dimension: ($) => seq($.identifier, ".", fieldName($)),
    incentive: ($) =>
      seq(
        "incentive",
        field("name", $.identifier),
        optional($.string),
        "{",
        repeat(
          choice(
            $.teams,
            seq("period", $.identifier),
            seq("target", $._expr),
            seq("payout", $._expr),
            "split",
            seq("per", $.dimension),
            seq("lagged", $.quantity, $.identifier),
          ),
        ),
        "}",
      ),

    // ------------------------------------------------------------ expressions
    _expr: ($) => choice($.binary, $.unary, $.is_test, $._postfix),
    binary: ($) =>
      choice(
        prec.left(PREC.or, seq($._expr, "or", $._expr)),
        prec.left(PREC.and, seq($._expr, "and", $._expr)),
        prec.left(
          PREC.compare,
          seq(
            $._expr,
            choice("==", "!=", "<=", ">=", "<", ">", "in", seq("not", "in"), "contains", "starts_with", "ends_with", "matches"),
            $._expr,
          ),
        ),
        prec.left(PREC.add, seq($._expr, choice("+", "-"), $._expr)),
        prec.left(PREC.mul, seq($._expr, choice("*", "/"), $._expr)),
      ),
    unary: ($) =>
      choice(prec(PREC.not, seq("not", $._expr)), prec(PREC.unary, seq("-", $._expr))),
    is_test: ($) => prec(PREC.unary, seq($._postfix, "is", choice("missing", "present"))),
    _postfix: ($) => choice($.member, $._primary),
    member: ($) =>
      prec.left(PREC.member, seq($._postfix, ".", field("field", fieldName($)), optional($.arguments))),
    _primary: ($) => choice($.identifier, $.call, $._literal, $.parenthesized, $.list),
    call: ($) => seq(field("function", $.identifier), $.arguments),
    arguments: ($) => seq("(", optional(commaSep1($._argument)), ")"),
    _argument: ($) =>
      // A bare name (`seen(demo)`, `stage_entered(sql)`) is read as an
      // expression: whether it names an event or a stage is the checker's.
      choice($.arrow_arg, $.entered_arg, $.by_arg, $.lifecycle_stage, $.field_arg, $.pattern_arg, $._expr),
    arrow_arg: ($) =>
      prec.right(seq($.stage_ref, "->", $.stage_ref, optional(seq("where", $._expr)))),
    entered_arg: ($) =>
      prec.right(
        seq("entered", $.stage_ref, optional(seq(".", fieldName($))), optional(seq("where", $._expr))),
      ),
    by_arg: ($) => seq($.identifier, "by", $.identifier),
    field_arg: ($) => prec.right(seq($.identifier, ".", fieldName($), "where", $._expr)),
    pattern_arg: ($) =>
      prec.right(
        choice(
          seq($.identifier, "where", $._expr, optional(seq("within", $._expr))),
          seq($.identifier, "within", $._expr),
        ),
      ),
    stage_ref: ($) => choice($.identifier, $.lifecycle_stage),
    lifecycle_stage: (_) => token(/[A-Za-z_][A-Za-z0-9_]*:[A-Za-z_][A-Za-z0-9_]*/),
    parenthesized: ($) => seq("(", $._expr, ")"),
    list: ($) => seq("[", optional(seq(commaSep1($._expr), optional(","))), "]"),

    // ------------------------------------------------------------ literals
    _literal: ($) =>
      choice($.money, $.business_duration, $.percent, $.quantity, $.string, $.boolean),
    _duration: ($) => choice($.business_duration, $.quantity),
    money: (_) => token(/[$€£]\d[\d_]*(\.\d+)?[A-Za-z]*/),
    percent: (_) => token(/\d[\d_]*(\.\d+)?%/),
    quantity: (_) => token(/\d[\d_]*(\.\d+)?[A-Za-z_]*/),
    signed_number: (_) => token(/[+-]?\d[\d_]*(\.\d+)?%?/),
    business_duration: ($) => seq($.quantity, "business", choice("hours", "hour", "days", "day")),
    boolean: (_) => choice("true", "false"),
    string: (_) => token(seq('"', repeat(choice(/[^"\\\n]/, /\\[^\n]/)), '"')),

    identifier: (_) => /[A-Za-z_][A-Za-z0-9_]*/,
  },
});
