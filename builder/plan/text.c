#include "text.h"

#include <errno.h>

int text_check_bytes(const char *file, const char *text, size_t len, struct cl_err *err)
{
	int line = 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n')
			line++;
		else if (c == '\0')
			return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: a NUL byte; settings files are text", file, line);
		else if (c == '\r')
			return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: a carriage return (DOS line ends?); end lines "
					  "with a line feed only", file, line);
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			return cl_err_in(err, CL_BAD_INPUT, EINVAL, "%s:%d: control character 0x%02x; settings files are text",
					  file, line, c);
	}
	return 0;
}
