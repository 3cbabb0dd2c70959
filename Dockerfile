# syntax=docker/dockerfile:1
# Multi-stage build: compile with the Maven wrapper on a Temurin 21 JDK, run on a Temurin 21 JRE
# as a non-root user, with the jar extracted into Spring Boot layers (dependencies change rarely,
# the application layer on every commit, so image rebuilds stay small).

FROM eclipse-temurin:21-jdk AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q dependency:go-offline
COPY src/ src/
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q -DskipTests package \
 && cp target/pinlab-*.jar /app.jar \
 && java -Djarmode=tools -jar /app.jar extract --layers --launcher --destination /extracted

FROM eclipse-temurin:21-jre
RUN groupadd --system pinlab && useradd --system --gid pinlab --home-dir /app --shell /usr/sbin/nologin pinlab
WORKDIR /app
COPY --from=build --chown=pinlab:pinlab /extracted/dependencies/ ./
COPY --from=build --chown=pinlab:pinlab /extracted/spring-boot-loader/ ./
COPY --from=build --chown=pinlab:pinlab /extracted/snapshot-dependencies/ ./
COPY --from=build --chown=pinlab:pinlab /extracted/application/ ./
USER pinlab
EXPOSE 8080
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
# No curl in the JRE image: ask /actuator/health over bash's /dev/tcp.
HEALTHCHECK --interval=15s --timeout=3s --start-period=40s --retries=3 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET /actuator/health HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3 && grep -q "\"status\":\"UP\"" <&3'
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
