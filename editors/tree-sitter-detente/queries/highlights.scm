; Highlighting for Neovim, Helix and Zed (capture names of nvim-treesitter).

(comment) @comment
(string) @string
[(money) (percent) (quantity) (signed_number) (clock)] @number
(boolean) @boolean

[
  "policy" "contact" "account" "deal" "event" "touchpoint" "score"
  "criteria" "buying_group" "lifecycle" "sla" "metric" "incentive"
] @keyword.type

[
  "version" "effective" "timezone" "currency" "teams" "business_hours"
  "holidays" "fiscal_year_starts" "roles" "owner" "decay" "half_life"
  "range" "each" "max" "require" "all" "any" "of" "role" "engaged"
  "qualified" "stage" "initial" "final" "detour" "starts" "met"
  "cancelled" "within" "entering" "leaving" "period" "target" "payout"
  "split" "per" "lagged" "assignee" "for" "by" "as" "business"
] @keyword

["on" "when" "after" "unless" "where" "entered"] @keyword.conditional

[
  "and" "or" "not" "in" "is" "missing" "present" "contains"
  "starts_with" "ends_with" "matches"
] @keyword.operator

["->" "=>" "==" "!=" "<=" ">=" "<" ">" "+" "-" "*" "/" "=" "|" ".."] @operator

(call function: (identifier) @function.call)
(member field: (field_name) @property)
(dimension (field_name) @property)
(field_decl name: (field_name) @variable.member)
(lifecycle_stage) @constant
(stage name: (identifier) @constant)
(transition from: (identifier) @constant)
(transition to: (identifier) @constant)

(event name: (identifier) @type.definition)
(score name: (identifier) @function)
(criteria name: (identifier) @function)
(metric name: (identifier) @function)
(sla name: (identifier) @function)
(incentive name: (identifier) @function)
(touchpoint name: (identifier) @type.definition)
