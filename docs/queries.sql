-- Analysts' questions, answered on the mart (docs/data-dictionary.md, "The analysts' mart").
--
-- Written for PostgreSQL, connected as teachflow_analyst: every query reads mart.* only. On a
-- SQLite warehouse the same views are named mart_<view>: write mart_teachers for mart.teachers
-- (teachflow.warehouse.mart.for_dialect does that). "This school year" and "this month" are the
-- latest reported month, so each query answers without editing.
--
-- Each block starts with "-- name:"; tests/test_mart_queries.py runs every block on a sample city
-- and checks its answer against the report tables; bench/queries.py times them on a province.

-- name: rotated_out_by_county_this_school_year
-- 问题：本学年（截至最新月报月份）各区县派出交流轮岗的教师人数
-- Question: how many teachers did each county send out on rotation this school year?
-- Rotation = every flow type but transfer; the school year starts on 1 September.
WITH latest AS (
    SELECT school_year, month_end FROM mart.monthly_report
    WHERE scope = 'city' AND period = (SELECT max(period) FROM mart.monthly_report)
)
SELECT f.from_county_code AS county_code, f.from_county_name AS county_name,
       count(DISTINCT f.teacher_key) AS teachers_sent_out
FROM mart.flows f JOIN latest l ON f.school_year = l.school_year AND f.start_date <= l.month_end
WHERE f.counts_as_rotation
GROUP BY f.from_county_code, f.from_county_name
ORDER BY teachers_sent_out DESC, county_code;

-- name: teachers_behind_training_track_by_county
-- 问题：最新月份各区县培训进度滞后的教师人数及欠缺学时
-- Question: how many teachers of each county are behind the training track (72 学时 × months / 12)?
SELECT county_code, county_name, count(*) AS teachers_behind, sum(hours_short) AS hours_short
FROM mart.training_progress
WHERE period = (SELECT max(period) FROM mart.monthly_report) AND NOT on_track
GROUP BY county_code, county_name
ORDER BY teachers_behind DESC, county_code;

-- name: lowest_communities_official_model
-- 问题：最近一个已完成学年，正式考核模型下得分最低的三个教共体（无数据者排最前）
-- Question: which three communities scored lowest in the last finished school year, by the official model?
SELECT school_year, model_name, model_version, community_code, community_name, score, grade, rank
FROM mart.assessment_communities
WHERE school_year = (SELECT max(school_year) FROM mart.assessment_communities WHERE NOT provisional)
ORDER BY CASE WHEN score IS NULL THEN 0 ELSE 1 END, score, community_code
LIMIT 3;

-- name: eligible_teachers_by_county
-- 问题：最新月份各区县符合交流条件的教师人数（在同一学校任教满 6 年，以学年开始日计）
-- Question: how many teachers of each county are eligible for rotation this month?
SELECT county_code, county_name, count(*) AS roster_teachers,
       sum(CASE WHEN eligible_for_rotation THEN 1 ELSE 0 END) AS eligible_teachers
FROM mart.teachers
WHERE period = (SELECT max(period) FROM mart.monthly_report)
GROUP BY county_code, county_name
ORDER BY county_code;

-- name: county_rotation_ranking
-- 问题：最新月份各区县交流轮岗比例排名，以及本学年还需交流的人数
-- Question: how do the counties rank by rotation rate, and how many more teachers must each rotate?
SELECT scope_code AS county_code, scope_name AS county_name, rotation_rate, rotation_rank,
       rotation_target_met, rotation_needed
FROM mart.monthly_report
WHERE scope = 'county' AND period = (SELECT max(period) FROM mart.monthly_report)
ORDER BY rotation_rank, county_code;

-- name: overdue_returns_by_sending_county
-- 问题：最新月份各派出区县逾期未返的交流教师人次
-- Question: how many rotations from each county were past their planned return at month end?
SELECT from_county_code AS county_code, from_county_name AS county_name, count(*) AS overdue_flows,
       max(days_overdue) AS longest_overdue_days
FROM mart.overdue_returns
WHERE period = (SELECT max(period) FROM mart.monthly_report)
GROUP BY from_county_code, from_county_name
ORDER BY overdue_flows DESC, county_code;

-- name: training_hours_by_county_this_month
-- 问题：最新月份各区县教师完成的培训学时、人次，以及有培训记录的教师人数
-- Question: how many training hours and person-times did each county's teachers complete in the latest month,
-- and how many of its teachers trained at all?
SELECT period, county_code, sum(training_hours) AS training_hours, sum(training_records) AS person_times,
       sum(CASE WHEN training_records > 0 THEN 1 ELSE 0 END) AS teachers_who_trained
FROM mart.training_by_teacher_month
WHERE period = (SELECT max(period) FROM mart.monthly_report)
GROUP BY period, county_code
ORDER BY county_code;

-- name: active_rotations_by_type
-- 问题：最新月末全市在岗交流的教师，按交流类型分
-- Question: at the end of the latest month, how many rotations were under way, by type?
WITH latest AS (
    SELECT month_end FROM mart.monthly_report
    WHERE scope = 'city' AND period = (SELECT max(period) FROM mart.monthly_report)
)
SELECT f.flow_type, f.flow_type_zh, f.flow_type_en, count(*) AS active_flows
FROM mart.flows f JOIN latest l ON f.start_date <= l.month_end
WHERE f.counts_as_rotation AND (f.actual_end_date IS NULL OR f.actual_end_date > l.month_end)
GROUP BY f.flow_type, f.flow_type_zh, f.flow_type_en
ORDER BY active_flows DESC, f.flow_type;

-- name: training_on_track_share_by_community
-- 问题：最新月份各教共体培训进度达标的教师比例
-- Question: what share of each community's teachers is on the training track?
SELECT community_code, community_name, count(*) AS roster_teachers,
       sum(CASE WHEN on_track THEN 1 ELSE 0 END) AS teachers_on_track,
       round(sum(CASE WHEN on_track THEN 1 ELSE 0 END) * 1.0 / count(*), 6) AS on_track_share
FROM mart.training_progress
WHERE period = (SELECT max(period) FROM mart.monthly_report) AND community_code IS NOT NULL
GROUP BY community_code, community_name
ORDER BY on_track_share, community_code;

-- name: backbone_share_by_county_this_school_year
-- 问题：本学年各区县交流教师中骨干教师的占比，以及还需交流的骨干教师人数
-- Question: what share of each county's rotated teachers are backbone teachers, and how many more are needed?
SELECT scope_code AS county_code, scope_name AS county_name, as_of_period, rotated_teachers,
       backbone_rotated_teachers, backbone_share, backbone_target_met, backbone_needed
FROM mart.rotation_by_school_year
WHERE scope = 'county' AND school_year = (SELECT max(school_year) FROM mart.monthly_report)
ORDER BY county_code;

-- name: counties_with_roster_carried_forward
-- 问题：最新月份哪些区县的教师名册未入库，沿用了哪个月的名册
-- Question: which counties' roster for the latest month is not in, and which older roster stands in?
SELECT scope_code AS county_code, scope_name AS county_name, period, roster_status, roster_period_used
FROM mart.monthly_report
WHERE scope = 'county' AND period = (SELECT max(period) FROM mart.monthly_report)
  AND (roster_period_used IS NULL OR roster_period_used <> period)
ORDER BY county_code;

-- name: eligible_teachers_by_title
-- 问题：最新月份全市符合交流条件的教师，按职称分
-- Question: of the teachers eligible for rotation, how many hold each title?
SELECT title, title_zh, count(*) AS eligible_teachers,
       sum(CASE WHEN is_backbone THEN 1 ELSE 0 END) AS of_which_backbone
FROM mart.teachers
WHERE period = (SELECT max(period) FROM mart.monthly_report) AND eligible_for_rotation
GROUP BY title, title_zh
ORDER BY eligible_teachers DESC, title;

-- name: communities_flagged_for_review
-- 问题：最近一个已完成学年被列入重点督查（后 10%）的教共体及其等级
-- Question: which communities were flagged for review in the last finished school year, and with what grade?
SELECT school_year, community_code, community_name, score, grade, rank
FROM mart.assessment_communities
WHERE review_flag
  AND school_year = (SELECT max(school_year) FROM mart.assessment_communities WHERE NOT provisional)
ORDER BY community_code;

-- name: largest_drops_in_active_rotations
-- 问题：与上月相比，哪些区县在外交流的教师减少最多
-- Question: which counties have the largest drop in rotations under way since last month?
SELECT scope_code AS county_code, scope_name AS county_name, previous_period, active_out_change
FROM mart.monthly_report_changes
WHERE scope = 'county' AND period = (SELECT max(period) FROM mart.monthly_report)
ORDER BY active_out_change, county_code
LIMIT 5;

-- name: submissions_not_in_for_the_latest_report
-- 问题：最新月报所依据的报送中，哪些未报、退回或迟报
-- Question: which of the files the latest monthly report rests on were missing, rejected or late?
SELECT county_code, county_name, period, dataset, status, status_zh, late, stand_in_period
FROM mart.report_coverage
WHERE report = 'rotation' AND report_key = (SELECT max(period) FROM mart.monthly_report)
  AND (status NOT IN ('accepted', 'accepted_with_rejections') OR late)
ORDER BY county_code, period, dataset;

-- name: support_activities_received_by_county_this_month
-- 问题：最新月报中，各区县学校本月接受帮扶活动多少次、多少人次，线上占比多少
-- Question: in the latest monthly report, how many support activities did each county's schools receive, with how many participants, and what share online?
SELECT scope_code AS county_code, scope_name AS county_name, activities_month, person_times_month, online_share
FROM mart.support_monthly
WHERE scope = 'county' AND period = (SELECT max(period) FROM mart.support_monthly)
ORDER BY activities_month DESC, county_code;

-- name: support_activity_types_this_month
-- 问题：最新月报中，全市本月各类帮扶活动（线上、线下）各有多少次、多少人次
-- Question: in the latest monthly report, how many support activities of each type and mode took place city-wide, with how many participants?
SELECT activity_type, mode, activities, person_times, activity_type_zh, mode_zh
FROM mart.support_by_type
WHERE scope = 'city' AND period = (SELECT max(period) FROM mart.support_monthly)
ORDER BY activities DESC, activity_type, mode;
