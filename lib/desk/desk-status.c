/* placeholder, being written */
typedef int md_desk_status_placeholder;
