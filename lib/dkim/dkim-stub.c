/* placeholder, replaced by the real module */
typedef int md_dkim_placeholder;
