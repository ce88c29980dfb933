//! Instance statistics in PeerTube's `ServerStats` shape (`GET /api/v1/server/stats`). Numbers
//! this instance keeps nothing for yet (playlists, redundancy, ActivityPub messages processed)
//! are zero, as on a PeerTube instance that has none of them.

use serde_json::{Value, json};

use super::DomainResult;
use crate::store::{Store, stats};

pub async fn server_stats(store: &Store) -> DomainResult<Value> {
    let now = time::OffsetDateTime::now_utc();
    let since = |days: i64| crate::store::timestamp(now - time::Duration::days(days));
    let (day, week, month) = (since(1), since(7), since(30));
    let c = store
        .read(move |conn| stats::server_counts(conn, &day, &week, &month))
        .await?;
    Ok(json!({
        "totalUsers": c.users,
        "totalDailyActiveUsers": c.daily_active_users,
        "totalWeeklyActiveUsers": c.weekly_active_users,
        "totalMonthlyActiveUsers": c.monthly_active_users,
        "totalModerators": c.moderators,
        "totalAdmins": c.admins,
        "totalLocalVideos": c.local_videos,
        "totalLocalVideoViews": c.local_video_views,
        "totalLocalVideoComments": c.local_video_comments,
        "totalLocalVideoFilesSize": c.local_video_files_size,
        "totalVideos": c.videos,
        "totalVideoComments": c.video_comments,
        "totalLocalVideoChannels": c.local_channels,
        "totalLocalDailyActiveVideoChannels": c.daily_active_channels,
        "totalLocalWeeklyActiveVideoChannels": c.weekly_active_channels,
        "totalLocalMonthlyActiveVideoChannels": c.monthly_active_channels,
        "totalLocalPlaylists": 0,
        "totalInstanceFollowers": c.instance_followers,
        "totalInstanceFollowing": c.instance_following,
        "videosRedundancy": [],
        "totalActivityPubMessagesProcessed": 0,
        "totalActivityPubMessagesSuccesses": 0,
        "totalActivityPubMessagesErrors": 0,
        "activityPubMessagesProcessedPerSecond": 0,
        "totalActivityPubMessagesWaiting": c.deliveries_waiting,
        "averageRegistrationRequestResponseTimeMs": c.average_registration_response_ms.map(f64::round),
        "totalRegistrationRequestsProcessed": c.registration_requests_processed,
        "totalRegistrationRequests": c.registration_requests,
        "averageAbuseResponseTimeMs": c.average_abuse_response_ms.map(f64::round),
        "totalAbusesProcessed": c.abuses_processed,
        "totalAbuses": c.abuses,
    }))
}
