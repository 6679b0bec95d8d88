// The Camel 4 route bus_bench.sh measures beside renkeid: a CP932 file of records, one per
// line, into Kafka and back out to a CP932 file, the way a Camel user would write it.
// Run as a single source file: java -cp "LIBS/*" CamelBench.java BROKER TOPIC IN OUT READY
//   IN     directory watched for the input file (it must arrive by rename)
//   OUT    directory the records are appended to, as out.txt
//   READY  file created once both routes have started
// Lines go to Kafka in groups of 10,000 (camel-kafka sends each element of an Iterable
// body as its own record and completes the exchange when all are acknowledged); the
// consumer takes each poll as one batch and appends it to the file in one write.
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;

public class CamelBench {
    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: CamelBench BROKER TOPIC IN OUT READY");
            System.exit(2);
        }
        String broker = args[0], topic = args[1], in = args[2], out = args[3];
        Path ready = Path.of(args[4]);
        Main main = new Main();
        main.configure().addRoutesBuilder(new RouteBuilder() {
            @Override
            public void configure() {
                // Same producer settings as renkeid's and kcat's in this bench.
                String producer = "kafka:" + topic + "?brokers=" + broker
                        + "&requestRequiredAcks=all&enableIdempotence=true&lingerMs=5"
                        + "&compressionCodec=lz4&producerBatchSize=1048576";
                String consumer = "kafka:" + topic + "?brokers=" + broker
                        + "&groupId=bench-camel&autoOffsetReset=earliest"
                        + "&batching=true&maxPollRecords=10000&pollTimeoutMs=100";
                from("file:" + in + "?readLock=none&delete=true&initialDelay=0&delay=20")
                        .routeId("file-to-kafka")
                        .convertBodyTo(String.class, "MS932")
                        .split(body().tokenize("\n", 10000, false)).streaming()
                            .process(e -> e.getMessage().setBody(
                                    Arrays.asList(e.getMessage().getBody(String.class).split("\n"))))
                            .to(producer)
                        .end();
                from(consumer)
                        .routeId("kafka-to-file")
                        .process(CamelBench::joinLines)
                        .to("file:" + out + "?fileName=out.txt&fileExist=Append&charset=MS932");
            }
        });
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterStart(BaseMainSupport m) {
                try {
                    Files.createFile(ready);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot create " + ready, e);
                }
            }
        });
        main.run();
    }

    // A batching consumer's body is the list of the poll's exchanges, in partition order.
    private static void joinLines(Exchange batch) {
        List<?> records = batch.getMessage().getBody(List.class);
        StringBuilder text = new StringBuilder();
        for (Object record : records) {
            text.append(((Exchange) record).getMessage().getBody(String.class)).append('\n');
        }
        batch.getMessage().setBody(text.toString());
    }
}
