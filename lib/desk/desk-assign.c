/* placeholder, being written */
typedef int md_desk_assign_placeholder;
