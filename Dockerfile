# syntax=docker/dockerfile:1
# Multi-stage build: compile with the Maven wrapper on a Temurin 25 JDK, run on a Temurin 25 JRE
# as a non-root user, with the jar extracted into Spring Boot layers (dependencies change rarely,
# the application layer on every commit, so image rebuilds stay small). Startup (README, "Startup"):
# Spring's ahead-of-time processing (-Paot) turns the bean definitions into generated code, and
# JDK 25's AOT cache (JEP 483/514/515) holds the classes a training run loaded, linked and profiled.

FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q dependency:go-offline
COPY src/ src/
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q -DskipTests -Paot package \
 && cp target/pinlab-*.jar /app.jar \
 && java -Djarmode=tools -jar /app.jar extract --layers --destination /extracted

FROM eclipse-temurin:25-jre
RUN groupadd --system pinlab && useradd --system --gid pinlab --home-dir /app --shell /usr/sbin/nologin pinlab
WORKDIR /app
COPY --from=build --chown=pinlab:pinlab /extracted/dependencies/ ./
COPY --from=build --chown=pinlab:pinlab /extracted/spring-boot-loader/ ./
COPY --from=build --chown=pinlab:pinlab /extracted/snapshot-dependencies/ ./
COPY --from=build --chown=pinlab:pinlab /extracted/application/ ./
# The generated bean definitions are used with -Dspring.aot.enabled=true. They hold the choices of
# application.yml (in-memory store, no management port): a deployment that changes those
# (docker-compose.yml: Redis, port 8081) sets JDK_JAVA_OPTIONS=-Dspring.aot.enabled=false, and
# io.pinlab.platform.AheadOfTimeGuard stops a start that forgot to.
ENV JDK_JAVA_OPTIONS="-Dspring.aot.enabled=true"
# Training run with the JVM that will run the service: start it, wait for the first healthy
# answer, stop it; the JVM writes app.aot as it exits (deploy/aot-training.sh). No Redis or
# network is needed. Compared with a run that stops after the context refresh, the cache also
# holds what the first requests load, and startup to the first healthy answer costs about 15% less CPU.
# The training run uses the JIT flag of the ENTRYPOINT, so its recorded profiles match.
COPY deploy/aot-training.sh /usr/local/bin/
RUN aot-training.sh app.aot -XX:CompileThresholdScaling=3 -jar app.jar && chown pinlab:pinlab app.aot
USER pinlab
EXPOSE 8080
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
# No curl in the JRE image: ask /actuator/health over bash's /dev/tcp.
HEALTHCHECK --interval=15s --timeout=3s --start-period=40s --retries=3 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET /actuator/health HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3 && grep -q "\"status\":\"UP\"" <&3'
# -XX:CompileThresholdScaling=3: methods are compiled after 3 times as many calls as by default.
# Up to the first healthy answer the two JIT compiler threads used 60% of the CPU on 2 cores, most
# of it for code run only at startup; with the flag a start takes 0.8 of the CPU and 0.85 of the
# time, and the mixed lab workload, once warm, costs the same CPU per request (README, "Startup").
ENTRYPOINT ["java", "-XX:AOTCache=app.aot", "-XX:CompileThresholdScaling=3", "-jar", "app.jar"]
