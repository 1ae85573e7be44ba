/* mockhub: a Kafka-protocol broker on loopback for the eventhub source's
 * tests: librdkafka's own mock cluster (no Kafka broker is packaged for
 * Debian 12), its topics, and a producer that writes the fixture bodies.
 *
 *   mockhub [--brokers N] TOPIC:PARTITIONS...
 *
 * Prints "bootstrap HOST:PORT[,...]" and then reads commands, one a line,
 * answering each with "ok" (or "error WHY") once it is done:
 *
 *   produce TOPIC FILE        every line of FILE one message, no key, the
 *                             partitions in turn (keyless events go round
 *                             robin, as Azure Monitor's do), flushed before
 *                             the answer
 *   create TOPIC PARTITIONS   a topic more (a hub the diagnostic setting
 *                             creates with its first record)
 *   down BROKER | up BROKER   a broker (1..N) stops or starts answering
 *   rtt BROKER MS             a broker answers everything MS late (0: at once)
 *   errors APIKEY CODE N      the next N requests of APIKEY fail with CODE
 *   quit
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_TOPICS 64

/* The topics created, and the next partition each is written to. */
static struct {
	const char *name;
	int partitions, next;
} topics[MAX_TOPICS];
static int n_topics;

static rd_kafka_t *producer(const char *bootstrap)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	char why[512];
	rd_kafka_t *rk;

	if (rd_kafka_conf_set(c, "bootstrap.servers", bootstrap, why, sizeof why) ||
	    rd_kafka_conf_set(c, "linger.ms", "5", why, sizeof why) ||
	    rd_kafka_conf_set(c, "message.max.bytes", "10000000", why, sizeof why) ||
	    /* its own reconnects while a test takes the broker down are no news */
	    rd_kafka_conf_set(c, "log_level", "2", why, sizeof why)) {
		fprintf(stderr, "mockhub: %s\n", why);
		exit(1);
	}
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, why, sizeof why);
	if (!rk) {
		fprintf(stderr, "mockhub: %s\n", why);
		exit(1);
	}
	return rk;
}

/* Every line of path a message on topic; the number produced, or -1. */
static long produce(rd_kafka_t *rk, const char *topic, const char *path)
{
	FILE *f = fopen(path, "r");
	int t = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long count = 0;

	while (t < n_topics && strcmp(topics[t].name, topic) != 0)
		t++;
	if (!f || t == n_topics) {
		if (f)
			fclose(f);
		return -1;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		rd_kafka_resp_err_t e;

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (!n)
			continue;
		int32_t part = topics[t].next++ % topics[t].partitions;

		while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(part),
		                              RD_KAFKA_V_VALUE(line, (size_t)n),
		                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
		       RD_KAFKA_RESP_ERR__QUEUE_FULL)
			rd_kafka_poll(rk, 100);
		if (e) {
			count = -1;
			break;
		}
		count++;
		rd_kafka_poll(rk, 0);
	}
	free(line);
	fclose(f);
	if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return -1;
	return count;
}

/* The partitions the cluster says topic has, or -1. */
static long partitions_of(rd_kafka_t *rk, const char *topic)
{
	rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
	const struct rd_kafka_metadata *md = NULL;
	long n = -1;

	if (t && rd_kafka_metadata(rk, 0, t, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1)
		n = md->topics[0].partition_cnt;
	if (md)
		rd_kafka_metadata_destroy(md);
	if (t)
		rd_kafka_topic_destroy(t);
	return n;
}

static void command(rd_kafka_mock_cluster_t *mc, rd_kafka_t *rk, char *line)
{
	char a[512], b[4096];
	long n = 0, code = 0, key = 0;

	if (sscanf(line, "produce %511s %4095s", a, b) == 2) {
		n = produce(rk, a, b);
		if (n < 0)
			printf("error cannot produce %s to %s\n", b, a);
		else
			printf("ok %ld\n", n);
	} else if (sscanf(line, "create %511s %ld", a, &n) == 2) {
		rd_kafka_resp_err_t e = n_topics < MAX_TOPICS && n > 0 ? rd_kafka_mock_topic_create(mc, a, (int)n, 1)
		                                                       : RD_KAFKA_RESP_ERR__INVALID_ARG;

		/* The mock creates a topic a consumer's metadata request names
		 * (Event Hubs does not; revmon's source names only hubs it has
		 * seen): such a topic is taken with its partitions. */
		if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS && (n = partitions_of(rk, a)) > 0)
			e = RD_KAFKA_RESP_ERR_NO_ERROR;
		if (e) {
			printf("error cannot create %s: %s\n", a, rd_kafka_err2str(e));
		} else {
			topics[n_topics].name = strdup(a);
			topics[n_topics++].partitions = (int)n;
			printf("ok\n");
		}
	} else if (sscanf(line, "down %ld", &n) == 1) {
		printf(rd_kafka_mock_broker_set_down(mc, (int32_t)n) ? "error\n" : "ok\n");
	} else if (sscanf(line, "up %ld", &n) == 1) {
		printf(rd_kafka_mock_broker_set_up(mc, (int32_t)n) ? "error\n" : "ok\n");
	} else if (sscanf(line, "rtt %ld %ld", &n, &key) == 2) {
		printf(rd_kafka_mock_broker_set_rtt(mc, (int32_t)n, (int)key) ? "error\n" : "ok\n");
	} else if (sscanf(line, "errors %ld %ld %ld", &key, &code, &n) == 3) {
		for (long i = 0; i < n; i++)
			rd_kafka_mock_push_request_errors(mc, (int16_t)key, 1, (rd_kafka_resp_err_t)code);
		printf("ok\n");
	} else {
		printf("error unknown command\n");
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	char why[512], line[8192];
	int brokers = 1, i = 1;
	rd_kafka_conf_t *c = rd_kafka_conf_new();

	(void)rd_kafka_conf_set(c, "log_level", "2", why, sizeof why);
	rd_kafka_t *owner, *rk;
	rd_kafka_mock_cluster_t *mc;

	if (argc > 2 && strcmp(argv[1], "--brokers") == 0) {
		brokers = atoi(argv[2]);
		i = 3;
	}
	owner = rd_kafka_new(RD_KAFKA_PRODUCER, c, why, sizeof why);
	if (!owner || !(mc = rd_kafka_mock_cluster_new(owner, brokers))) {
		fprintf(stderr, "mockhub: cannot start the mock cluster: %s\n", why);
		return 1;
	}
	for (; i < argc; i++) {
		char *colon = strrchr(argv[i], ':');

		if (!colon) {
			fprintf(stderr, "usage: mockhub [--brokers N] TOPIC:PARTITIONS...\n");
			return 2;
		}
		*colon = '\0';
		if (n_topics == MAX_TOPICS || atoi(colon + 1) < 1 ||
		    rd_kafka_mock_topic_create(mc, argv[i], atoi(colon + 1), 1)) {
			fprintf(stderr, "mockhub: cannot create %s\n", argv[i]);
			return 1;
		}
		topics[n_topics].name = argv[i];
		topics[n_topics++].partitions = atoi(colon + 1);
	}
	printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	rk = producer(rd_kafka_mock_cluster_bootstraps(mc));
	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strcmp(line, "quit") == 0)
			break;
		command(mc, rk, line);
	}
	rd_kafka_destroy(rk);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(owner);
	return 0;
}
