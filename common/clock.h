/* Clocks in seconds, as doubles: the monotonic one for durations, the
 * wall clock where the second a build reads matters (the checker starts
 * builds together on a fresh second). */
#ifndef CLOISTER_CLOCK_H
#define CLOISTER_CLOCK_H

double clock_mono_s(void);
double clock_wall_s(void);
/* Sleeps until the wall clock reads t (at once if it is past). */
void clock_sleep_until_wall(double t);

#endif
