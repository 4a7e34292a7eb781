/* The smallest real recipe's program. */
#include <stdio.h>

int main(void)
{
	puts("Hello from a cloister build.");
	return 0;
}
