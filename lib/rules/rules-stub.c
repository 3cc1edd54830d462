/* placeholder, replaced by the real module */
typedef int md_rules_placeholder;
