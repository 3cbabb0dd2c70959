package io.pinlab.session;

import io.lettuce.core.resource.ClientResources;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code pinlab.sessions.store=redis}, Boot's Lettuce client resources put a flush
 * consolidation handler first on every channel they initialise (SessionConfiguration), the
 * store's connection and the rate-limit buckets' alike.
 */
class ConsolidatedFlushesTest {

    @EnableConfigurationProperties({SessionProperties.class, StoreProperties.class})
    static class Properties {
    }

    @Test
    void lettuceChannelsStartWithFlushConsolidation() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
                .withUserConfiguration(SessionConfiguration.class, Properties.class)
                .withPropertyValues("pinlab.sessions.store=redis")
                .run(context -> {
                    EmbeddedChannel channel = new EmbeddedChannel();
                    context.getBean(ClientResources.class).nettyCustomizer().afterChannelInitialized(channel);
                    assertThat(channel.pipeline().first()).isInstanceOf(FlushConsolidationHandler.class);
                    channel.finishAndReleaseAll();
                });
    }
}
