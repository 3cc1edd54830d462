/* placeholder, being written */
typedef int md_desk_sla_placeholder;
