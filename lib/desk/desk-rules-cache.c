/* placeholder, being written */
typedef int md_desk_rules_cache_placeholder;
