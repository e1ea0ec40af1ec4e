/*-------------------------------------------------------------------------
 *
 * cluster_model.c
 *		The cluster view's pure parts: parsing pg_capacity.cluster_members
 *		and pg_capacity.patroni_url, reading an HTTP/1.1 response, and the
 *		cluster's verdicts (N-1 failover headroom, uneven replicas).
 *
 * No server headers, no allocation: everything works on the caller's
 * buffers, so that settings' check hooks and the unit tests can call it.
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cluster_model.h"

static const char *
skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* "65432" -> 65432; false unless 1..65535 and digits only */
static bool
parse_port(const char *s, size_t len, int *port)
{
	long		v = 0;
	size_t		i;

	if (len == 0 || len > 5)
		return false;
	for (i = 0; i < len; i++)
	{
		if (!isdigit((unsigned char) s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return false;
	*port = (int) v;
	return true;
}

int
cap_parse_member_list(const char *text, CapHostPort *out, int max,
					  char *err, size_t errlen)
{
	const char *p = text;
	int			n = 0;

	if (text == NULL)
		return 0;
	p = skip_space(p);
	if (*p == '\0')
		return 0;

	for (;;)
	{
		const char *start = skip_space(p);
		const char *end = start;
		const char *colon;
		const char *hs;
		size_t		hlen;
		size_t		len;

		while (*end != '\0' && *end != ',')
			end++;
		len = end - start;
		while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t'))
			len--;
		if (len == 0)
		{
			snprintf(err, errlen, "member %d is empty", n + 1);
			return -1;
		}
		if (n >= max)
		{
			snprintf(err, errlen, "more than %d members", max);
			return -1;
		}
		/* the port follows the last ':' (after "]" for an IPv6 address) */
		colon = NULL;
		for (hs = start; hs < start + len; hs++)
			if (*hs == ':')
				colon = hs;
		if (colon == NULL)
		{
			snprintf(err, errlen, "member %d \"%.*s\" has no port: write host:port", n + 1,
					 (int) (len > 200 ? 200 : len), start);
			return -1;
		}
		hs = start;
		hlen = colon - start;
		if (hlen >= 2 && hs[0] == '[' && hs[hlen - 1] == ']')
		{
			hs++;
			hlen -= 2;
		}
		else if (memchr(hs, ':', hlen) != NULL || memchr(hs, '[', hlen) != NULL)
		{
			snprintf(err, errlen, "member %d \"%.*s\": write an IPv6 address in brackets, [::1]:5432",
					 n + 1, (int) (len > 200 ? 200 : len), start);
			return -1;
		}
		if (hlen == 0 || hlen >= CAP_HOST_LEN)
		{
			snprintf(err, errlen, "member %d \"%.*s\" has %s host", n + 1,
					 (int) (len > 200 ? 200 : len), start, hlen == 0 ? "no" : "too long a");
			return -1;
		}
		{
			size_t		i;

			for (i = 0; i < hlen; i++)
				if (isspace((unsigned char) hs[i]) || hs[i] == '\'' || hs[i] == '\\' ||
					hs[i] == '=' || hs[i] == ',')
				{
					snprintf(err, errlen, "member %d \"%.*s\": the host holds a character that is not allowed",
							 n + 1, (int) (len > 200 ? 200 : len), start);
					return -1;
				}
		}
		if (!parse_port(colon + 1, start + len - colon - 1, &out[n].port))
		{
			snprintf(err, errlen, "member %d \"%.*s\": the port must be a number from 1 to 65535",
					 n + 1, (int) (len > 200 ? 200 : len), start);
			return -1;
		}
		memcpy(out[n].host, hs, hlen);
		out[n].host[hlen] = '\0';
		n++;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	return n;
}

void
cap_format_member(const char *host, int port, char *buf, size_t len)
{
	if (strchr(host, ':') != NULL)
		snprintf(buf, len, "[%s]:%d", host, port);
	else
		snprintf(buf, len, "%s:%d", host, port);
}

bool
cap_parse_http_url(const char *url, char *host, int *port, char *path,
				   char *err, size_t errlen)
{
	const char *p;
	const char *hend;
	const char *pstart;
	size_t		hlen;

	if (url == NULL || *url == '\0')
	{
		snprintf(err, errlen, "the URL is empty");
		return false;
	}
	if (strncasecmp(url, "https://", 8) == 0)
	{
		snprintf(err, errlen, "https is not supported: pg_capacity's GET speaks plain HTTP; list the members in pg_capacity.cluster_members instead");
		return false;
	}
	if (strncasecmp(url, "http://", 7) != 0)
	{
		snprintf(err, errlen, "the URL must start with http://");
		return false;
	}
	p = url + 7;
	{
		size_t		alen = strcspn(p, "/");

		if (memchr(p, '@', alen) != NULL)
		{
			snprintf(err, errlen, "credentials in the URL are not supported (they would be readable by every user: SHOW)");
			return false;
		}
	}
	if (*p == '[')
	{
		hend = strchr(p, ']');
		if (hend == NULL)
		{
			snprintf(err, errlen, "an IPv6 address in the URL lacks its ']'");
			return false;
		}
		hlen = hend - p - 1;
		if (hlen == 0 || hlen >= CAP_HOST_LEN)
		{
			snprintf(err, errlen, "the URL's host is empty or too long");
			return false;
		}
		memcpy(host, p + 1, hlen);
		host[hlen] = '\0';
		p = hend + 1;
	}
	else
	{
		hend = p;
		while (*hend != '\0' && *hend != ':' && *hend != '/')
			hend++;
		hlen = hend - p;
		if (hlen == 0 || hlen >= CAP_HOST_LEN)
		{
			snprintf(err, errlen, "the URL's host is empty or too long");
			return false;
		}
		memcpy(host, p, hlen);
		host[hlen] = '\0';
		p = hend;
	}
	*port = 80;
	if (*p == ':')
	{
		pstart = ++p;
		while (*p != '\0' && *p != '/')
			p++;
		if (!parse_port(pstart, p - pstart, port))
		{
			snprintf(err, errlen, "the URL's port must be a number from 1 to 65535");
			return false;
		}
	}
	if (*p == '\0')
		strcpy(path, "/");
	else
	{
		const char *c;

		if (*p != '/' || strlen(p) >= CAP_URL_PATH_LEN - 16)
		{
			snprintf(err, errlen, "the URL's path must start with / and be shorter than %d bytes",
					 CAP_URL_PATH_LEN - 16);
			return false;
		}
		for (c = p; *c; c++)
			if ((unsigned char) *c <= ' ' || *c == '?' || *c == '#')
			{
				snprintf(err, errlen, "the URL's path may not hold spaces, control characters, a query or a fragment");
				return false;
			}
		strcpy(path, p);
	}
	return true;
}

/* Case-insensitive search for a header line's name in [from, to). */
static const char *
find_header(const char *from, const char *to, const char *name)
{
	size_t		nlen = strlen(name);
	const char *line = from;

	while (line < to)
	{
		const char *eol = strstr(line, "\r\n");

		if (eol == NULL || eol > to)
			eol = to;
		if ((size_t) (eol - line) > nlen && strncasecmp(line, name, nlen) == 0 &&
			line[nlen] == ':')
			return skip_space(line + nlen + 1);
		line = eol + 2;
	}
	return NULL;
}

/* Decode a chunked body in place; 1 done, 0 incomplete, -1 malformed. */
static int
dechunk(char *body, size_t avail, size_t *outlen)
{
	char	   *in = body;
	char	   *out = body;
	char	   *end = body + avail;

	for (;;)
	{
		char	   *eol;
		char	   *numend;
		unsigned long size;

		eol = NULL;
		{
			char	   *c;

			for (c = in; c + 1 < end; c++)
				if (c[0] == '\r' && c[1] == '\n')
				{
					eol = c;
					break;
				}
		}
		if (eol == NULL)
			return 0;
		size = strtoul(in, &numend, 16);
		if (numend == in || (numend < eol && *numend != ';' && *numend != ' '))
			return -1;
		if (size == 0)
		{
			*outlen = out - body;
			*out = '\0';
			return 1;			/* trailers are ignored */
		}
		if ((size_t) (end - (eol + 2)) < size + 2)
			return 0;
		memmove(out, eol + 2, size);
		out += size;
		in = eol + 2 + size;
		if (in[0] != '\r' || in[1] != '\n')
			return -1;
		in += 2;
	}
}

int
cap_http_parse_response(char *buf, size_t len, bool eof, int *status,
						char **body, size_t *bodylen, const char **err)
{
	char	   *hdr_end = strstr(buf, "\r\n\r\n");
	const char *v;
	char	   *b;
	size_t		avail;

	*err = NULL;
	if (hdr_end == NULL)
	{
		if (eof)
		{
			*err = "the connection closed before the response's headers ended";
			return -1;
		}
		return 0;
	}
	if (strncmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' ||
		!isdigit((unsigned char) buf[9]) || !isdigit((unsigned char) buf[10]) ||
		!isdigit((unsigned char) buf[11]))
	{
		*err = "not an HTTP/1.x response";
		return -1;
	}
	*status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	b = hdr_end + 4;
	avail = len - (b - buf);

	v = find_header(buf, hdr_end + 2, "Transfer-Encoding");
	if (v != NULL && strncasecmp(v, "chunked", 7) == 0)
	{
		int			r = dechunk(b, avail, bodylen);

		if (r < 0)
			*err = "a malformed chunked body";
		else if (r == 0 && eof)
		{
			*err = "the connection closed inside a chunked body";
			r = -1;
		}
		*body = b;
		return r;
	}
	v = find_header(buf, hdr_end + 2, "Content-Length");
	if (v != NULL)
	{
		char	   *e;
		unsigned long long cl = strtoull(v, &e, 10);

		if (e == v)
		{
			*err = "a malformed Content-Length";
			return -1;
		}
		if (avail < cl)
		{
			if (eof)
			{
				*err = "the connection closed before Content-Length bytes arrived";
				return -1;
			}
			return 0;
		}
		*body = b;
		*bodylen = (size_t) cl;
		b[cl] = '\0';
		return 1;
	}
	/* no length: the body ends when the server closes (we sent Connection: close) */
	if (!eof)
		return 0;
	*body = b;
	*bodylen = avail;
	return 1;
}

void
cap_failover_headroom(const CapClusterLoad *m, int n, CapHeadroom *h)
{
	int			i;
	double		cap_all = 0;
	double		conn_all = 0;

	memset(h, 0, sizeof(*h));
	h->leaving = -1;
	for (i = 0; i < n; i++)
	{
		if (!m[i].reachable)
			continue;
		h->members++;
		h->load_tps += m[i].tps;
		h->load_tps_peak += m[i].tps_peak;
		cap_all += m[i].tps_capacity;
		h->connections += m[i].connections;
		conn_all += m[i].max_connections;
		if (h->leaving < 0 || m[i].tps > m[h->leaving].tps ||
			(m[i].tps == m[h->leaving].tps && m[i].primary))
			h->leaving = i;
	}
	if (h->leaving < 0)
	{
		h->load_tps = h->load_tps_peak = h->connections = NAN;
		h->remaining_tps_capacity = h->remaining_connections = NAN;
		h->tps_pct = h->tps_peak_pct = h->connections_pct = NAN;
		h->utilization_pct = NAN;
		return;
	}
	h->remaining_tps_capacity = cap_all - m[h->leaving].tps_capacity;
	h->remaining_connections = conn_all - m[h->leaving].max_connections;

#define SHARE(a, b) (isnan(a) || isnan(b) ? NAN : (b) > 0 ? 100.0 * (a) / (b) : INFINITY)
	h->tps_pct = SHARE(h->load_tps, h->remaining_tps_capacity);
	h->tps_peak_pct = SHARE(h->load_tps_peak, h->remaining_tps_capacity);
	h->connections_pct = SHARE(h->connections, h->remaining_connections);
#undef SHARE

	/* the worse of the two; an unknown one does not hide a known one */
	if (isnan(h->tps_pct))
		h->utilization_pct = h->connections_pct;
	else if (isnan(h->connections_pct))
		h->utilization_pct = h->tps_pct;
	else
		h->utilization_pct = fmax(h->tps_pct, h->connections_pct);
}

bool
cap_uneven_replicas(const CapClusterLoad *m, int n, double *spread,
					int *busiest, int *idlest)
{
	int			i;
	int			k = 0;
	double		sum = 0;
	double		mean;

	*busiest = *idlest = -1;
	*spread = NAN;
	for (i = 0; i < n; i++)
	{
		if (!m[i].reachable || m[i].primary || isnan(m[i].read_tps))
			continue;
		k++;
		sum += m[i].read_tps;
		if (*busiest < 0 || m[i].read_tps > m[*busiest].read_tps)
			*busiest = i;
		if (*idlest < 0 || m[i].read_tps < m[*idlest].read_tps)
			*idlest = i;
	}
	if (k < 2)
		return false;
	mean = sum / k;
	if (mean <= 0)
		return false;
	*spread = (m[*busiest].read_tps - m[*idlest].read_tps) / mean;
	return mean >= CAP_UNEVEN_MIN_MEAN_TPS && *spread > CAP_UNEVEN_MAX_SPREAD;
}
