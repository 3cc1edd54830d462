/* placeholder, replaced by the real module */
typedef int md_dns_placeholder;
