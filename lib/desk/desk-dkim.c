/* placeholder, being written */
typedef int md_desk_dkim_placeholder;
