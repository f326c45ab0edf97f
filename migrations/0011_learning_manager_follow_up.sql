ALTER TABLE "learning_courses" ADD COLUMN "manager_survey_family_id" uuid;--> statement-breakpoint
ALTER TABLE "learning_courses" ADD COLUMN "follow_up_ask_manager" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "learning_survey_requests" ADD COLUMN "addressee_user_id" uuid;--> statement-breakpoint
ALTER TABLE "learning_survey_requests" ADD CONSTRAINT "learning_survey_requests_addressee_user_id_users_id_fk" FOREIGN KEY ("addressee_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;