/* placeholder, being written */
typedef int md_desk_timers_placeholder;
